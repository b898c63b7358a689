namespace Trellis.Distribution;

/// <summary>
/// Sent to a watcher of <see cref="NodeNetwork.MonitorNodes"/> when the connection to a node is lost (Erlang's
/// <c>{nodedown, Node}</c>): every link across it has fired <c>noconnection</c>, every monitor DOWN <c>noconnection</c>.
/// </summary>
/// <param name="Node">The node's name.</param>
/// <param name="Reason">Why: the peer closed, nothing arrived within the tick time, the network failed.</param>
public sealed record NodeDown(string Node, string Reason);
