using OpenQA.Selenium.Chrome;

namespace Trellis.Tests.Browser;

/// <summary>
/// Debian's headless chromium through its chromedriver, with a profile of its own that goes when it is disposed (the
/// driver quits first, so the browser no longer writes there). Shared by the daemon's and the hosting tests.
/// </summary>
internal sealed class Chromium : IDisposable
{
    private readonly ChromeDriverService _service;
    private readonly string _profile;

    public Chromium(int width, int height, TimeSpan commandTimeout)
    {
        _profile = Directory.CreateTempSubdirectory("trellis-chromium-").FullName;
        _service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
        _service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };
        options.AddArguments(
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", $"--window-size={width},{height}", "--user-data-dir=" + _profile);
        Driver = new ChromeDriver(_service, options, commandTimeout);
    }

    public ChromeDriver Driver { get; }

    public void Dispose()
    {
        Driver.Quit();
        Driver.Dispose();
        _service.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // A helper process of the browser may still be writing as it exits; the directory is in /tmp.
        }
    }
}
