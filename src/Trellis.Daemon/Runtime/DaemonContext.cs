using Trellis.Daemon.Logs;

namespace Trellis.Daemon.Runtime;

/// <summary>What every starter needs: the Trellis node, the clock, the event record, the log budget, the cgroups.</summary>
internal sealed record DaemonContext(Node Node, TimeProvider Time, EventLog Events, LogBudget Budget, ServiceCgroups Cgroups)
{
    /// <summary>Told of each program a service spawns (its OS pid), and of its end: cluster mode's lifeline watches cluster services' programs.</summary>
    public IProgramWatcher? Programs { get; init; }

    /// <summary>Rewrites a service's status file from its node.</summary>
    public void WriteStatus(TreeNode node)
    {
        if (node.StatusDir is { } dir && !dir.Write(node.Since ?? Time.GetUtcNow(), node.OsPid, node.Paused, !node.StopRequested, gotTerm: false))
        {
            node.Log?.Daemon($"could not write {dir.Path}/status");
        }
    }
}

/// <summary>Told when a service's program starts and when it ends.</summary>
internal interface IProgramWatcher
{
    void Spawned(TreeNode node, int osPid);

    void Ended(TreeNode node, int osPid);
}
