namespace Trellis.Daemon.Cli;

/// <summary>Limits the daemon's API and its client agree on.</summary>
internal static class ApiLimits
{
    /// <summary>The most log lines one request may ask for.</summary>
    public const int MaxLines = 10_000;
}
