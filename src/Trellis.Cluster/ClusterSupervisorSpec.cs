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
}
