using OpenQA.Selenium;
using OpenQA.Selenium.Support.UI;
using Trellis.Tests.Browser;

namespace Trellis.Daemon.Tests;

/// <summary>The dashboard in a real headless Chromium (Debian's chromium and chromedriver, driven by Selenium).</summary>
public sealed class DashboardTests
{
    [Fact]
    public async Task The_tree_renders_and_the_kill_button_restarts_the_service_with_a_new_pid_shown_live()
    {
        await using var d = await DaemonProcess.StartAsync("""
            name: observed
            children:
              - supervisor: backend
                strategy: rest_for_one
                children:
                  - service: web
                    command: [sleep, "1000"]
                  - service: worker
                    command: [sleep, "1000"]
              - service: flaky
                command: [sh, -c, 'echo flaky says hello; exec sleep 1000']
            """);
        var url = File.ReadAllText(Path.Combine(d.StateDir, "dashboard.url")).Trim();
        var webPid = await d.OsPidAsync("web");

        using var chromium = new Chromium(1500, 900, DaemonProcess.Deadline);
        var driver = chromium.Driver;
        var wait = new WebDriverWait(driver, DaemonProcess.Deadline);

        // Without the token the page is the sign-in form; a wrong token is refused there; the right one signs in with
        // an HttpOnly, SameSite=Strict cookie, and the address never holds the token.
        driver.Navigate().GoToUrl(url);
        wait.Until(_ => driver.FindElements(By.Id("token")).Count == 1);
        driver.FindElement(By.Id("token")).SendKeys("not-the-token-at-all");
        driver.FindElement(By.Id("sign-in")).Click();
        wait.Until(_ => driver.FindElements(By.Id("error")).Count == 1);
        driver.FindElement(By.Id("token")).SendKeys(File.ReadAllText(Path.Combine(d.StateDir, "dashboard.token")).Trim());
        driver.FindElement(By.Id("sign-in")).Click();
        wait.Until(_ => driver.FindElements(By.CssSelector("tr.node")).Count > 0);
        Assert.DoesNotContain("token", driver.Url, StringComparison.Ordinal);
        var cookie = Assert.Single(driver.Manage().Cookies.AllCookies);
        Assert.True(cookie.IsHttpOnly);
        Assert.Equal("Strict", cookie.SameSite);
        Assert.Equal(string.Empty, ((IJavaScriptExecutor)driver).ExecuteScript("return document.cookie"));

        // The page redraws the tree on every update: an element found a moment ago may be gone; look again.
        wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException));
        void Click(string css) => wait.Until(_ =>
        {
            driver.FindElement(By.CssSelector(css)).Click();
            return true;
        });

        // The live tree: every node, with the program's pid.
        string PidCell(string node) => driver.FindElement(By.CssSelector($"tr[data-node='{node}'] td[data-field='pid']")).Text;
        wait.Until(_ => driver.FindElements(By.CssSelector("tr.node")).Count == 5);
        wait.Until(_ => PidCell("web") == webPid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        wait.Until(_ => driver.FindElement(By.CssSelector("tr[data-node='backend']")).Text.Contains("rest_for_one", StringComparison.Ordinal));
        Assert.Equal("live", driver.FindElement(By.Id("live")).Text);

        // A node's recent log lines.
        Click("tr[data-node='flaky'] td.name");
        wait.Until(_ => driver.FindElement(By.Id("logs")).Text.Contains("flaky says hello", StringComparison.Ordinal));

        // Kill asks first: cancelled, nothing happens.
        Click("button[data-action='kill'][data-node='web']");
        wait.Until(_ => driver.FindElement(By.Id("confirm")).GetAttribute("open") is not null);
        Assert.Contains("Kill web?", driver.FindElement(By.Id("confirm-text")).Text, StringComparison.Ordinal);
        Click("#confirm-no");
        wait.Until(_ => driver.FindElement(By.Id("confirm")).GetAttribute("open") is null);
        Assert.Equal(webPid.ToString(System.Globalization.CultureInfo.InvariantCulture), PidCell("web"));

        // Stop asks too; cancelled, web runs on.
        Click("button[data-action='stop'][data-node='web']");
        wait.Until(_ => driver.FindElement(By.Id("confirm")).GetAttribute("open") is not null);
        Assert.Contains("Stop web?", driver.FindElement(By.Id("confirm-text")).Text, StringComparison.Ordinal);
        Click("#confirm-no");
        wait.Until(_ => driver.FindElement(By.Id("confirm")).GetAttribute("open") is null);
        Assert.Equal("running", driver.FindElement(By.CssSelector("tr[data-node='web']")).GetAttribute("data-status"));

        // Kill, confirmed: the supervisor restarts web (and, rest_for_one, worker); the page shows the new pid live.
        Click("button[data-action='kill'][data-node='web']");
        Click("#confirm-yes");
        wait.Until(_ =>
        {
            var text = PidCell("web");
            return int.TryParse(text, out var pid) && pid != webPid
                && driver.FindElement(By.CssSelector("tr[data-node='web']")).GetAttribute("data-status") == "running";
        });
        var shown = int.Parse(PidCell("web"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(await d.OsPidAsync("web"), shown);
        Assert.False(Os.Alive(webPid));
        wait.Until(_ => driver.FindElement(By.CssSelector("tr[data-node='web'] td[data-field='restarts']")).Text == "1");
        wait.Until(_ => driver.FindElement(By.Id("chart")).GetAttribute("data-total") is "2" or "3");

        var artifacts = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(artifacts);
        var shot = Path.Combine(artifacts, "dashboard.png");
        driver.GetScreenshot().SaveAsFile(shot);
        Assert.True(new FileInfo(shot).Length > 10_000);
    }
}
