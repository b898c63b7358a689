namespace Trellis;

/// <summary>
/// Where a call, cast or send goes, as OTP's server references: a pid, a name registered on a node, a name
/// registered on another node (Erlang's <c>{Name, Node}</c>), or a <see cref="ViaName"/> of a <see cref="Registry"/>.
/// A name is looked up at each use, so a reference by name keeps working across restarts of the server.
/// </summary>
public readonly struct ServerRef : IEquatable<ServerRef>
{
    private ServerRef(Pid pid, Node? node, string? name, string? remoteNode, ViaName? via)
    {
        Pid = pid;
        Node = node;
        Name = name;
        RemoteNode = remoteNode;
        Via = via;
    }

    /// <summary>The pid, when the reference is a pid.</summary>
    public Pid Pid { get; }

    /// <summary>The node that looks the name up (or routes it to <see cref="RemoteNode"/>); null for a pid.</summary>
    public Node? Node { get; }

    /// <summary>The registered name, when the reference is a name.</summary>
    public string? Name { get; }

    /// <summary>The node the name is registered on, when it is not <see cref="Node"/>.</summary>
    public string? RemoteNode { get; }

    /// <summary>The registry name, when the reference is a via name.</summary>
    public ViaName? Via { get; }

    /// <summary>A reference to a process by pid.</summary>
    /// <param name="pid">The process.</param>
    public static implicit operator ServerRef(Pid pid) => new(pid, null, null, null, null);

    /// <summary>A reference to a process by pid.</summary>
    /// <param name="pid">The process.</param>
    /// <returns>The reference.</returns>
    public static ServerRef FromPid(Pid pid) => pid;

    /// <summary>The process registered as <paramref name="name"/> on <paramref name="node"/>, looked up at each use.</summary>
    /// <param name="node">The node whose name table is used.</param>
    /// <param name="name">The registered name.</param>
    /// <returns>The reference.</returns>
    public static ServerRef Named(Node node, string name)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new(Pid.None, node, name, null, null);
    }

    /// <summary>
    /// The process registered as <paramref name="name"/> on the node named <paramref name="remoteNode"/> (Erlang's
    /// <c>{Name, Node}</c>), reached through <paramref name="node"/>'s distribution and looked up there at each use.
    /// </summary>
    /// <param name="node">This node, which must be distributed unless <paramref name="remoteNode"/> is its own name.</param>
    /// <param name="name">The registered name.</param>
    /// <param name="remoteNode">The name of the node the process is registered on.</param>
    /// <returns>The reference.</returns>
    public static ServerRef Named(Node node, string name, string remoteNode)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(remoteNode);
        return string.Equals(remoteNode, node.Name, StringComparison.Ordinal)
            ? new(Pid.None, node, name, null, null)
            : new(Pid.None, node, name, remoteNode, null);
    }

    /// <summary>The process registered under <paramref name="via"/> in a <see cref="Registry"/> on <paramref name="node"/>.</summary>
    /// <param name="node">The node the registry runs on.</param>
    /// <param name="via">The registry name (<see cref="Registry.Via"/>).</param>
    /// <returns>The reference.</returns>
    public static ServerRef ViaRegistry(Node node, ViaName via)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(via);
        return new(Pid.None, node, null, null, via);
    }

    /// <summary>The pid the reference stands for now on this node; <see cref="Pid.None"/> for a name not registered, or on another node.</summary>
    /// <returns>The pid, or <see cref="Pid.None"/>.</returns>
    public Pid Resolve() =>
        Name is { } name && RemoteNode is null ? Node!.WhereIs(name)
        : Via is { } via ? Registry.WhereIs(Node!, via.Registry, via.Key)
        : Pid;

    /// <inheritdoc />
    public bool Equals(ServerRef other) =>
        Pid == other.Pid && ReferenceEquals(Node, other.Node) && Name == other.Name && RemoteNode == other.RemoteNode && Equals(Via, other.Via);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ServerRef other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Pid, Name, RemoteNode, Via);

    /// <summary>Equality.</summary>
    /// <param name="left">A reference.</param>
    /// <param name="right">Another reference.</param>
    public static bool operator ==(ServerRef left, ServerRef right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    /// <param name="left">A reference.</param>
    /// <param name="right">Another reference.</param>
    public static bool operator !=(ServerRef left, ServerRef right) => !left.Equals(right);

    /// <summary>The pid, the name, <c>{Name,Node}</c> or the via name, as Erlang prints them.</summary>
    public override string ToString() =>
        Name is { } name ? (RemoteNode is { } remote ? Terms.Tuple(new Atom(name), new Atom(remote)) : name)
        : Via is { } via ? via.ToString()
        : Pid.ToString();
}
