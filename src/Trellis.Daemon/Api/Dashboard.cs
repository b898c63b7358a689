namespace Trellis.Daemon.Api;

/// <summary>The dashboard page, embedded in the daemon (one file, no external scripts).</summary>
internal static class Dashboard
{
    private static readonly Lazy<string> Page = new(() =>
    {
        using var stream = typeof(Dashboard).Assembly.GetManifestResourceStream("dashboard.html")
            ?? throw new InvalidOperationException("the dashboard page is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    public static string Html => Page.Value;
}
