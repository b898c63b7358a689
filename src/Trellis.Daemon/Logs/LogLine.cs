namespace Trellis.Daemon.Logs;

/// <summary>One line a node wrote (or the daemon wrote about it), with when, which node and on which stream.</summary>
internal sealed record LogLine(DateTimeOffset Time, string Node, string Stream, string Text);
