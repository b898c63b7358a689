namespace Trellis.Distribution;

/// <summary>Sent to a watcher of <see cref="NodeNetwork.MonitorNodes"/> when a connection to a node is up (Erlang's <c>{nodeup, Node}</c>).</summary>
/// <param name="Node">The node's name.</param>
public sealed record NodeUp(string Node);
