namespace Trellis.Cluster.Internal;

/// <summary>A cluster child hosted by this node's agent.</summary>
internal sealed record AgentChild(string Sup, string Child, long Epoch, Pid Pid, long RunRevision, TimeSpan Shutdown, string? Name, long NameRevision);
