namespace Trellis.Cluster;

/// <summary>A live member of the cluster, as its lease in etcd says.</summary>
/// <param name="Name">The node's name (<c>name@host</c>).</param>
/// <param name="Address">Where its network listens (<c>name@host:port</c>).</param>
/// <param name="Incarnation">Its lease: a node that rejoins after fencing itself is a new incarnation.</param>
/// <param name="Labels">Its placement labels.</param>
public sealed record ClusterMember(string Name, string Address, long Incarnation, IReadOnlyDictionary<string, string> Labels);

/// <summary>Sent to a process that called <see cref="ClusterNode.MonitorMembers"/> when a member joins (or rejoins as a new incarnation).</summary>
/// <param name="Member">The member.</param>
public sealed record MemberUp(ClusterMember Member);

/// <summary>Sent to a process that called <see cref="ClusterNode.MonitorMembers"/> when a member's lease ends: the authoritative node-down.</summary>
/// <param name="Member">The member as it was.</param>
public sealed record MemberDown(ClusterMember Member);

/// <summary>Sent to a process that called <see cref="ClusterNode.MonitorMembers"/> when this node fences itself (it could not renew its lease in time) and when it is a member again.</summary>
/// <param name="Fenced">True when it fenced itself; false when it rejoined.</param>
/// <param name="Reason">Why.</param>
public sealed record MembershipChanged(bool Fenced, string Reason);
