namespace Trellis.Cluster.Internal;

/// <summary>One child of a cluster supervisor, in start order: where it runs now, or what it waits for.</summary>
internal sealed class ClusterSlot(ClusterChildSpec spec)
{
    public ClusterChildSpec Spec { get; } = spec;

    public string? Host { get; set; }

    public Pid Pid { get; set; }

    public MonitorRef? Monitor { get; set; }

    /// <summary>The start was refused because a copy is still recorded as running (on <see cref="Host"/>): it retries when that run key goes.</summary>
    public bool Waiting { get; set; }

    /// <summary>No member can run it now (<see cref="ClusterSupervisorSpec.WaitForNode"/>): it starts when one joins or a node frees up.</summary>
    public bool Pending { get; set; }

    /// <summary>The node it died on last, avoided by the next placement.</summary>
    public string? Avoid { get; set; }

    public bool IsRunning => !Pid.IsNone;

    /// <summary>Started, from its supervisor's view: running, waiting for its old copy to go, or waiting for a node.</summary>
    public bool IsActive => IsRunning || Waiting || Pending;
}
