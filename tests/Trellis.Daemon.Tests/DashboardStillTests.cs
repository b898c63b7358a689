using System.Drawing;
using OpenQA.Selenium;
using OpenQA.Selenium.Support.UI;
using Trellis.Tests.Browser;

namespace Trellis.Daemon.Tests;

/// <summary>
/// The dashboard holds still, in a real headless Chromium: a text selection survives updates, a click lands during a
/// restart storm, every column fits from 1024 px wide up, backoff says when the next start is, times are 24-hour,
/// a supervisor's log panel shows its subtree's events, and kill and stop ask first (a setting turns that off).
/// </summary>
public sealed class DashboardStillTests
{
    private const string Tree = """
        name: still
        intensity: 1000000
        period: 1s
        children:
          - service: web
            command: [sh, -c, 'echo web up; exec sleep 1000']
            memory_max: 64MB
          - supervisor: storm
            intensity: 1000000
            period: 1s
            children:
              - service: s1
                command: [sh, -c, 'sleep 0.1; exit 1']
              - service: s2
                command: [sh, -c, 'sleep 0.1; exit 1']
              - service: s3
                command: [sh, -c, 'sleep 0.1; exit 1']
              - service: s4
                command: [sh, -c, 'sleep 0.1; exit 1']
          - service: slow
            command: [sh, -c, 'exit 1']
            backoff: {initial: 1h, max: 1h, jitter: none}
        """;

    [Fact]
    public async Task Selection_clicks_columns_backoff_and_confirmation_hold_while_the_page_updates()
    {
        await using var d = await DaemonProcess.StartAsync(Tree);
        var url = File.ReadAllText(Path.Combine(d.StateDir, "dashboard.url")).Trim();
        var token = File.ReadAllText(Path.Combine(d.StateDir, "dashboard.token")).Trim();
        using var chromium = new Chromium(1920, 1080, DaemonProcess.Deadline);
        var driver = chromium.Driver;
        var js = driver;
        var wait = new WebDriverWait(driver, DaemonProcess.Deadline);
        driver.Navigate().GoToUrl(url + "?token=" + Uri.EscapeDataString(token));
        wait.Until(_ => driver.FindElements(By.CssSelector("tr.node")).Count == 8);
        long Updates() => (long)js.ExecuteScript("return window.trellisUpdates")!;

        // Select the command line in the detail panel; three updates later it is still selected.
        driver.FindElement(By.CssSelector("tr[data-node='web'] td.name")).Click();
        wait.Until(_ => driver.FindElement(By.CssSelector("#detail dd[data-field='command']")).Text.Contains("sleep 1000", StringComparison.Ordinal));
        var command = driver.FindElement(By.CssSelector("#detail dd[data-field='command']")).Text;
        js.ExecuteScript("const r = document.createRange(); r.selectNodeContents(document.querySelector(\"#detail dd[data-field='command']\")); getSelection().removeAllRanges(); getSelection().addRange(r);");
        var before = Updates();
        wait.Until(_ => Updates() >= before + 3);
        Assert.Equal(command, (string)js.ExecuteScript("return getSelection().toString()")!);

        // During the storm every click lands, on the row it was aimed at (no element is ever replaced under it).
        wait.Until(_ => (long)js.ExecuteScript("return Number(document.getElementById('restarts-total').textContent)")! > 10);
        foreach (var name in new[] { "s1", "s3", "storm", "s2", "s4", "s1" })
        {
            var row = driver.FindElement(By.CssSelector($"tr[data-node='{name}'] td[data-field='uptime']"));
            row.Click();
            Assert.Contains("selected", driver.FindElement(By.CssSelector($"tr[data-node='{name}']")).GetAttribute("class"), StringComparison.Ordinal);
            Assert.StartsWith(name + " ·", driver.FindElement(By.Id("detail-title")).Text, StringComparison.OrdinalIgnoreCase);
            var rowsAfter = Updates();
            wait.Until(_ => Updates() > rowsAfter);

            // The element clicked is the same element after an update: nothing was redrawn under the pointer.
            Assert.True((bool)js.ExecuteScript("return arguments[0].isConnected", row)!);
        }

        // A supervisor's log panel shows its subtree's events.
        driver.FindElement(By.CssSelector("tr[data-node='storm'] td.name")).Click();
        wait.Until(_ => driver.FindElement(By.Id("logs")).Text.Contains("s2 crashed exited with status 1", StringComparison.Ordinal));

        // Backoff says when the next start is, in 24-hour time like every time on the page.
        wait.Until(_ => driver.FindElement(By.CssSelector("tr[data-node='slow']")).GetAttribute("data-status") == "backoff");
        Assert.Matches(@"^next \d\d:\d\d:\d\d$", driver.FindElement(By.CssSelector("tr[data-node='slow'] .next")).Text);
        Assert.All(driver.FindElements(By.CssSelector("#events .t")).Take(20), t => Assert.Matches(@"^\d\d:\d\d:\d\d$", t.Text));

        // The resource columns: web's CPU and RSS, and its sparkline once two samples exist.
        wait.Until(_ => driver.FindElement(By.CssSelector("tr[data-node='web'] td[data-field='rss']")).Text.EndsWith("MB", StringComparison.Ordinal));
        wait.Until(_ => driver.FindElements(By.CssSelector("tr[data-node='web'] td[data-field='spark'] svg")).Count == 1);
        driver.FindElement(By.CssSelector("tr[data-node='web'] td.name")).Click();
        wait.Until(_ => driver.FindElement(By.CssSelector("#detail dd[data-field='limits']")).Text == "memory_max: 64.0MB");

        // Every column and every action button is on screen at 1920 and at 1024 wide.
        var artifacts = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(artifacts);
        foreach (var width in new[] { 1920, 1024 })
        {
            driver.Manage().Window.Size = new Size(width, 900);
            wait.Until(_ => (long)js.ExecuteScript("return window.innerWidth")! <= width);
            var overflow = (string)js.ExecuteScript("""
                const w = document.documentElement.clientWidth, bad = [];
                for (const e of document.querySelectorAll("th, tr.node td, tr.node button")) {
                  const r = e.getBoundingClientRect();
                  if (e.offsetParent !== null && (r.right > w + 0.5 || r.width === 0 && e.tagName === "TH")) bad.push(e.tagName + ":" + (e.textContent || e.dataset.field) + "@" + Math.round(r.right));
                }
                const section = document.querySelector("section.tree");
                if (section.scrollWidth > section.clientWidth) bad.push("the tree scrolls sideways: " + section.scrollWidth + " > " + section.clientWidth);
                if (document.documentElement.scrollWidth > w) bad.push("the page scrolls sideways: " + document.documentElement.scrollWidth);
                return bad.join(", ");
                """)!;
            Assert.True(overflow.Length == 0, $"at {width} px: {overflow}");
            driver.GetScreenshot().SaveAsFile(Path.Combine(artifacts, $"dashboard-{width}.png"));
        }

        // With the setting off, kill acts at once, and the browser remembers the choice.
        var webPid = await d.OsPidAsync("web");
        driver.FindElement(By.Id("confirm-setting")).Click();
        driver.FindElement(By.CssSelector("button[data-action='kill'][data-node='web']")).Click();
        await d.WaitForAsync(async () => await d.OsPidAsync("web") is var p && p != 0 && p != webPid, "web's restart after a kill without confirmation");
        Assert.Null(driver.FindElement(By.Id("confirm")).GetAttribute("open"));
        Assert.Equal("off", (string)js.ExecuteScript("return localStorage.getItem('trellis.confirm')")!);
    }
}
