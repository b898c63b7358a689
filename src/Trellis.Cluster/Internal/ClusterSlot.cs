namespace Trellis.Cluster.Internal;

/// <summary>One child of a cluster supervisor, in start order: where it runs now, or that it waits for its old copy to go.</summary>
internal sealed class ClusterSlot(ClusterChildSpec spec)
{
    public ClusterChildSpec Spec { get; } = spec;

    public string? Host { get; set; }

    public Pid Pid { get; set; }

    public MonitorRef? Monitor { get; set; }

    /// <summary>The start was refused because a copy is still recorded as running (on <see cref="Host"/>): it retries when that run key goes.</summary>
    public bool Waiting { get; set; }

    /// <summary>The node it died on last, avoided by the next placement.</summary>
    public string? Avoid { get; set; }

    public bool IsRunning => !Pid.IsNone;
}
