namespace Trellis.Cli;

/// <summary>
/// Where the native client finds the daemon's binary: <c>TRELLIS_DAEMON</c>, else in <c>daemon/</c> beside it (its
/// apphost under the name trellis, so the daemon's process is called trellis, else Trellis.Daemon), else beside it.
/// </summary>
internal static class DaemonBinary
{
    public static string? Find(out string tried)
    {
        if (Environment.GetEnvironmentVariable("TRELLIS_DAEMON") is { Length: > 0 } named)
        {
            tried = named;
            return File.Exists(named) ? named : null;
        }

        var here = AppContext.BaseDirectory;
        string[] candidates = [Path.Combine(here, "daemon", "trellis"), Path.Combine(here, "daemon", "Trellis.Daemon"), Path.Combine(here, "Trellis.Daemon")];
        tried = string.Join(" or ", candidates);
        return Array.Find(candidates, File.Exists);
    }
}
