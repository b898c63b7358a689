namespace Trellis.Daemon.Runtime;

/// <summary>
/// A node's status, derived (never stored) from the engine's facts about its latest run and the daemon's own:
/// whether it is inside a start, whether the operator wants it down, and whether its latest start failed.
/// </summary>
internal static class NodeStatusRule
{
    /// <summary>The status; a pure function, tested without processes.</summary>
    /// <param name="run">The latest run: null before any; its exit, when it has one, is the engine's.</param>
    /// <param name="inStart">Whether its supervisor is inside the node's start (spawning, or waiting for readiness).</param>
    /// <param name="wantDown">Whether an operator stopped it.</param>
    /// <param name="startFailed">Whether its latest start failed (a spawn, a readiness wait) since the run began.</param>
    public static NodeStatus Of(RunFacts? run, bool inStart, bool wantDown, bool startFailed)
    {
        if (run is { Alive: true } alive)
        {
            return !alive.Spawned ? NodeStatus.Backoff : alive.Ready ? NodeStatus.Running : NodeStatus.Starting;
        }

        if (inStart)
        {
            return NodeStatus.Starting;
        }

        if (wantDown)
        {
            return NodeStatus.Stopped;
        }

        if (startFailed)
        {
            return NodeStatus.Failed;
        }

        return run?.Exit switch
        {
            null => NodeStatus.Pending,
            { IsShutdown: true } => NodeStatus.Stopped,
            { IsNormal: true } => NodeStatus.Exited,
            _ => NodeStatus.Crashed,
        };
    }

    /// <summary>What the rule reads of a run.</summary>
    /// <param name="Alive">Whether its process runs.</param>
    /// <param name="Spawned">Whether its program is spawned.</param>
    /// <param name="Ready">Whether it is ready.</param>
    /// <param name="Exit">Its exit reason once it ended.</param>
    internal readonly record struct RunFacts(bool Alive, bool Spawned, bool Ready, ExitReason? Exit)
    {
        public static RunFacts Of(NodeRun run) =>
            new(run.Alive, run.Spawned, run.Ready, run.Exited.IsCompletedSuccessfully ? run.Exited.Result : null);
    }
}
