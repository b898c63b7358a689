using System.Globalization;

namespace Trellis.Internal;

/// <summary>
/// A process on another node: the node's name, its incarnation (Erlang's creation, so that a pid of a node that has
/// restarted never reaches the new one) and the process number there. Compared by value; <see cref="Router"/> is this
/// node's distribution, which carries everything done to the pid.
/// </summary>
internal sealed class RemotePid : IEquatable<RemotePid>
{
    public RemotePid(IRemoteRouter router, string nodeName, uint creation, long id)
    {
        Router = router;
        NodeName = nodeName;
        Creation = creation;
        Id = id;
    }

    public IRemoteRouter Router { get; }

    public string NodeName { get; }

    public uint Creation { get; }

    public long Id { get; }

    public bool Equals(RemotePid? other) =>
        other is not null && Id == other.Id && Creation == other.Creation && string.Equals(NodeName, other.NodeName, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as RemotePid);

    public override int GetHashCode() => HashCode.Combine(Id, Creation, StringComparer.Ordinal.GetHashCode(NodeName));

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"<{NodeName}.{Id}.{Creation}>");
}
