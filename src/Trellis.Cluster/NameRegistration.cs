namespace Trellis.Cluster;

/// <summary>How a cluster name registration ended.</summary>
public enum NameRegistrationStatus
{
    /// <summary>The name is this process's, cluster-wide, until it exits, it is unregistered, or its node's lease ends.</summary>
    Registered,

    /// <summary>Another process holds the name (<see cref="NameRegistration.Holder"/>).</summary>
    Taken,

    /// <summary>The registration could not be made: etcd has no quorum or cannot be reached, this node is fenced, or the input is bad (<see cref="NameRegistration.Error"/>).</summary>
    Unavailable,
}

/// <summary>The outcome of <see cref="ClusterNode.RegisterNameAsync"/>.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Holder">For <see cref="NameRegistrationStatus.Taken"/>, the process that holds the name (none if its node is not a member).</param>
/// <param name="Error">For <see cref="NameRegistrationStatus.Unavailable"/>, why.</param>
public sealed record NameRegistration(NameRegistrationStatus Status, Pid Holder, string? Error)
{
    /// <summary>True when the name was registered.</summary>
    public bool IsRegistered => Status == NameRegistrationStatus.Registered;
}
