namespace Trellis.Daemon.Runtime;

/// <summary>Where a node of the tree is in its life.</summary>
internal enum NodeStatus
{
    /// <summary>Not started yet.</summary>
    Pending,

    /// <summary>Waiting out its restart delay or backoff.</summary>
    Backoff,

    /// <summary>Started, waiting to report ready.</summary>
    Starting,

    /// <summary>Running (and ready, when it declares readiness).</summary>
    Running,

    /// <summary>Stopped on request; stays down until started.</summary>
    Stopped,

    /// <summary>Exited normally and is not restarted (transient or temporary).</summary>
    Exited,

    /// <summary>Ended abnormally; its supervisor decides what comes next.</summary>
    Crashed,

    /// <summary>Could not be started (spawn failure, readiness timeout).</summary>
    Failed,
}
