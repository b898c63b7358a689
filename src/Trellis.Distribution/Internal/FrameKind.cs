namespace Trellis.Distribution.Internal;

/// <summary>What a frame after the handshake carries. Each frame is a MessagePack array whose first item is the kind.</summary>
internal enum FrameKind
{
    /// <summary>[kind]: nothing else was sent for a quarter of the tick time.</summary>
    Tick = 0,

    /// <summary>[kind, toId, message].</summary>
    Send = 1,

    /// <summary>[kind, name, message].</summary>
    SendNamed = 2,

    /// <summary>[kind, fromId, toId]: a process of the sender's node linked to one of the receiver's.</summary>
    Link = 3,

    /// <summary>[kind, fromId, toId].</summary>
    Unlink = 4,

    /// <summary>[kind, fromId, toId, reason]: a linked process exited.</summary>
    LinkExit = 5,

    /// <summary>[kind, fromPid, toId, reason]: exit/2.</summary>
    Exit = 6,

    /// <summary>[kind, watcherId, targetId, monitorId].</summary>
    Monitor = 7,

    /// <summary>[kind, monitorId].</summary>
    Demonitor = 8,

    /// <summary>[kind, monitorId, reason].</summary>
    Down = 9,

    /// <summary>[kind, callId, toId, request].</summary>
    Call = 10,

    /// <summary>[kind, callId, name, request].</summary>
    CallNamed = 11,

    /// <summary>[kind, callId, reply].</summary>
    Reply = 12,

    /// <summary>[kind, callId, reason].</summary>
    ReplyFailed = 13,

    /// <summary>[kind, toId, request].</summary>
    Cast = 14,

    /// <summary>[kind, name, request].</summary>
    CastNamed = 15,

    /// <summary>[kind, requestId, parentId (0: none), link, server, function, argument, registeredName (nil: none)].</summary>
    Spawn = 16,

    /// <summary>[kind, requestId, pidId (0: failed), reason (nil when started)].</summary>
    SpawnReply = 17,
}
