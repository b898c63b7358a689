namespace Trellis.Cluster;

/// <summary>A cluster supervisor: an id unique in the cluster, OTP's flags (strategy, intensity, period), its children in start order, and where to place them.</summary>
/// <param name="Id">The supervisor's id in the cluster (no '/', space or control character).</param>
public sealed record ClusterSupervisorSpec(string Id)
{
    /// <summary>Strategy, intensity and period, as a local supervisor's (one_for_one by default, 1 restart in 5 s). Auto-shutdown and durable children do not apply.</summary>
    public SupervisorFlags Flags { get; init; } = new();

    /// <summary>The children, in start order.</summary>
    public IReadOnlyList<ClusterChildSpec> Children { get; init; } = [];

    /// <summary>How a node is chosen for each start. Defaults to <see cref="Placements.Spread"/>.</summary>
    public IPlacement Placement { get; init; } = Placements.Spread;

    /// <summary>
    /// The nodes that stand by to take over when the owner's node dies; <c>"*"</c> names every member. Empty (the
    /// default) is OTP's rule: the owner's death stops every child. A node named here whose start finds the supervisor
    /// owned becomes a standby: it campaigns when the owner's key goes, wins with a higher epoch, and adopts the
    /// children that still run instead of restarting them. While a standby lives, hosts keep a dead owner's children
    /// for one lease TTL, waiting for that adoption; an owner stopped while another standby lives hands over the same way.
    /// </summary>
    public IReadOnlyList<string> Standby { get; init; } = [];

    /// <summary>
    /// When no member can run a child (none exposes its kind with its labels, or its anti-affinity group fills them
    /// all), the child waits for one to join instead of failing its start. False by default: OTP's rule, the start fails.
    /// </summary>
    public bool WaitForNode { get; init; }

    /// <summary>Whether <paramref name="node"/> is one of <see cref="Standby"/>.</summary>
    internal bool StandsBy(string node) => Standby.Any(s => s == "*" || s == node);
}
