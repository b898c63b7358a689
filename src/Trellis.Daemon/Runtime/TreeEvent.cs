namespace Trellis.Daemon.Runtime;

/// <summary>Something that happened to a node: started, ready, exited, restarted, stopped, failed.</summary>
/// <param name="Seq">The event's number; numbers have no gaps, so a client can tell it missed none.</param>
/// <param name="Time">When.</param>
/// <param name="Node">The node's name.</param>
/// <param name="Kind">started, ready, exited, crashed, restarting, stopped, start_failed, give_up, reload.</param>
/// <param name="Detail">The pid, the exit reason, the error.</param>
internal sealed record TreeEvent(long Seq, DateTimeOffset Time, string Node, string Kind, string Detail);
