namespace Trellis.Daemon.Logs;

/// <summary>One line a service wrote, with when and on which stream.</summary>
internal sealed record LogLine(DateTimeOffset Time, string Stream, string Text);
