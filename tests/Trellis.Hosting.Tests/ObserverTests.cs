using System.Diagnostics;
using System.Net;
using OpenQA.Selenium;
using OpenQA.Selenium.Support.UI;
using Trellis.Tests.Browser;

namespace Trellis.Hosting.Tests;

/// <summary>
/// The Observer inside an application: examples/Apps runs seed 003's KV in ASP.NET Core with the Observer behind its
/// own policy; in headless Chromium a bucket is killed from the page and the registry drops it.
/// </summary>
public sealed class ObserverTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task KillingABucketFromThePage_DropsItFromTheRegistry()
    {
        var root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));
        var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd('/'))!);
        var dll = Path.Combine(root, "examples", "Apps", "bin", configuration, "net10.0", "Apps.dll");
        Assert.True(File.Exists(dll), dll);
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { dll, "observe", "--port", "0" })
        {
            info.ArgumentList.Add(a);
        }

        using var app = Process.Start(info)!;
        var errors = app.StandardError.ReadToEndAsync();
        try
        {
            string? line;
            do
            {
                line = await app.StandardOutput.ReadLineAsync().WaitAsync(Deadline);
            }
            while (line is not null && !line.StartsWith("observer: ", StringComparison.Ordinal));

            if (line is null)
            {
                Assert.Fail("the application printed no address: " + await errors);
            }

            var login = new Uri(line!["observer: ".Length..]);
            var site = new Uri(login.GetLeftPart(UriPartial.Authority));

            // Behind the application's policy: without its sign-in the page and its API send the browser to sign in.
            using (var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { Timeout = Deadline })
            {
                Assert.Equal(HttpStatusCode.Redirect, (await anonymous.GetAsync(new Uri(site, "/trellis/"))).StatusCode);
                Assert.Equal(HttpStatusCode.Redirect, (await anonymous.GetAsync(new Uri(site, "/trellis/api/observer"))).StatusCode);
                Assert.Equal(HttpStatusCode.Redirect, (await anonymous.PostAsync(new Uri(site, "/trellis/api/processes/9/kill"), null)).StatusCode);
            }

            using var chromium = new Chromium(1400, 900, Deadline);
            var driver = chromium.Driver;
            var wait = new WebDriverWait(driver, Deadline);

            // Rows stay put across refreshes; only a process that is gone takes its row with it, which goes stale.
            wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException));
            driver.Navigate().GoToUrl(login);
            IWebElement? Row(string text) => driver.FindElements(By.CssSelector("tr.proc")).FirstOrDefault(r => TextOf(r).Contains(text, StringComparison.Ordinal));

            // A row that went stale between the lookup and the read is a process that is gone: it has no text.
            static string TextOf(IWebElement row)
            {
                try
                {
                    return row.Text;
                }
                catch (StaleElementReferenceException)
                {
                    return "";
                }
            }

            wait.Until(_ => Row("KV.Registry: shopping") is not null);

            // The trees and every other process: the registry's partitions under it, the buckets under their
            // DynamicSupervisor, the application controller beside them, each with mailbox, handled, links, monitors.
            Assert.EndsWith("/trellis/", driver.Url, StringComparison.Ordinal);
            Assert.NotNull(Row("KV.BucketSupervisor"));
            Assert.NotNull(Row("KV.TaskSupervisor"));
            Assert.NotNull(Row("KV.Registry: groceries"));
            Assert.Contains("application_controller", driver.FindElement(By.Id("others")).Text, StringComparison.Ordinal);
            var artifacts = Path.Combine(AppContext.BaseDirectory, "artifacts");
            Directory.CreateDirectory(artifacts);
            driver.GetScreenshot().SaveAsFile(Path.Combine(artifacts, "observer.png"));
            var shopping = Row("KV.Registry: shopping")!;
            Assert.Equal("agent", shopping.FindElement(By.CssSelector("td[data-field='behaviour']")).Text);
            Assert.Equal("2", shopping.FindElement(By.CssSelector("td[data-field='links']")).Text);
            Assert.Matches(@"^<0\.\d+\.0>$", shopping.FindElement(By.CssSelector("td[data-field='pid']")).Text);
            async Task<long> StatusOf(string bucket) => (long)await Task.Run(() => driver.ExecuteAsyncScript(
                "const done = arguments[arguments.length - 1]; fetch('/kv/' + arguments[0]).then(r => done(r.status), () => done(0));", bucket)!);
            Assert.Equal(200, await StatusOf("shopping"));

            // Kill asks, then kills; the bucket is temporary, so it is gone, and so is its name in the registry.
            shopping.FindElement(By.CssSelector("button[data-action='kill']")).Click();
            wait.Until(_ => driver.FindElement(By.Id("confirm")).GetAttribute("open") is not null);
            driver.FindElement(By.Id("confirm-yes")).Click();
            wait.Until(_ => Row("KV.Registry: shopping") is null);
            Assert.Equal(404, await StatusOf("shopping"));
            Assert.Equal(200, await StatusOf("groceries"));
            Assert.NotNull(Row("KV.Registry: groceries"));

        }
        finally
        {
            if (!app.HasExited)
            {
                app.Kill(entireProcessTree: true);
            }

            await app.WaitForExitAsync().WaitAsync(Deadline);
        }
    }
}
