namespace Trellis.Cluster;

/// <summary>Chooses the node a cluster child starts on.</summary>
public interface IPlacement
{
    /// <summary>Picks one of <see cref="PlacementRequest.Candidates"/>, or null for none.</summary>
    /// <param name="request">The child, the candidates (live members with its labels, in name order), and their loads.</param>
    /// <returns>A candidate's name, or null.</returns>
    string? Choose(PlacementRequest request);
}

/// <summary>What a placement decides from.</summary>
/// <param name="Child">The child's id.</param>
/// <param name="Candidates">The members that may run it, in name order (never empty).</param>
/// <param name="LocalNode">The supervisor's node.</param>
/// <param name="Avoid">The node the child just left (it died there); choose another when one is possible.</param>
/// <param name="ClusterLoad">How many cluster children run on a node, across all supervisors (as the watch has seen).</param>
/// <param name="SupervisorLoad">How many of this supervisor's children run on a node.</param>
public sealed record PlacementRequest(
    string Child,
    IReadOnlyList<ClusterMember> Candidates,
    string LocalNode,
    string? Avoid,
    Func<string, int> ClusterLoad,
    Func<string, int> SupervisorLoad);
