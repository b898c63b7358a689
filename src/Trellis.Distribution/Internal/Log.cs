using Microsoft.Extensions.Logging;

namespace Trellis.Distribution.Internal;

/// <summary>The distribution's log events, ids 600 to 699. The cookie never appears in any of them.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 600, Level = LogLevel.Information, Message = "Node {Node} listens on {Endpoint} (tick time {TickTime}, TLS {Tls})")]
    public static partial void Listening(this ILogger logger, string node, string endpoint, TimeSpan tickTime, bool tls);

    [LoggerMessage(EventId = 601, Level = LogLevel.Information, Message = "Connected to node {Peer} (incarnation {Creation}, {Direction})")]
    public static partial void Connected(this ILogger logger, string peer, uint creation, string direction);

    [LoggerMessage(EventId = 602, Level = LogLevel.Warning, Message = "Connection to node {Peer} lost: {Reason}")]
    public static partial void ConnectionLost(this ILogger logger, string peer, string reason);

    [LoggerMessage(EventId = 603, Level = LogLevel.Warning, Message = "Could not connect to node {Peer}: {Reason}")]
    public static partial void ConnectFailed(this ILogger logger, string peer, string reason);

    [LoggerMessage(EventId = 604, Level = LogLevel.Warning, Message = "Refused a connection from {Endpoint}: {Reason}")]
    public static partial void HandshakeRefused(this ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 605, Level = LogLevel.Warning, Message = "Closed the connection to node {Peer}: a malformed {Frame} frame")]
    public static partial void BadFrame(this ILogger logger, string peer, string frame, Exception exception);

    [LoggerMessage(EventId = 606, Level = LogLevel.Warning, Message = "Dropped a {Frame} frame from node {Peer}: its message type '{Tag}' is not registered in NetworkOptions.MessageTypes")]
    public static partial void UnknownMessageType(this ILogger logger, string peer, string frame, string tag);

    [LoggerMessage(EventId = 607, Level = LogLevel.Error, Message = "A reply to node {Peer} could not be sent: {Reason}")]
    public static partial void ReplyNotSent(this ILogger logger, string peer, string reason);

    [LoggerMessage(EventId = 608, Level = LogLevel.Warning, Message = "Refused a connection from {Endpoint}: {Pending} handshakes are in progress already")]
    public static partial void TooManyHandshakes(this ILogger logger, string endpoint, int pending);

    [LoggerMessage(EventId = 609, Level = LogLevel.Error, Message = "A distribution task failed")]
    public static partial void TaskFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 610, Level = LogLevel.Warning, Message = "Node {Peer} asked to start '{Function}', which this node does not expose")]
    public static partial void UnknownFunction(this ILogger logger, string peer, string function);

    [LoggerMessage(EventId = 611, Level = LogLevel.Information, Message = "Node {Node} left the network")]
    public static partial void Stopped(this ILogger logger, string node);
}
