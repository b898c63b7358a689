namespace Trellis.Cluster;

/// <summary>A cluster child as its supervisor knows it (<see cref="ClusterSupervisor.WhichChildrenAsync"/>).</summary>
/// <param name="Id">The child's id.</param>
/// <param name="Node">The node it runs on; null when it is not running.</param>
/// <param name="Pid">Its process; none when it is not running.</param>
/// <param name="Waiting">True while its replacement waits for the old copy's run key to go (its node's lease to end).</param>
/// <param name="Epoch">The supervisor's epoch (fencing token) it runs under.</param>
/// <param name="Pending">True while no member can run it and it waits for one (<see cref="ClusterSupervisorSpec.WaitForNode"/>).</param>
public sealed record ClusterChildInfo(string Id, string? Node, Pid Pid, bool Waiting, long Epoch, bool Pending = false);
