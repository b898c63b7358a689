using MessagePack;
using Trellis.Internal;

namespace Trellis.Distribution.Internal;

/// <summary>Frames from the peer, handled one at a time in arrival order by the connection's reader.</summary>
internal sealed partial class Peer
{
    /// <summary>Handles one frame; false when it was malformed and the connection is closed.</summary>
    public bool Dispatch(Connection connection, ReadOnlyMemory<byte> frame)
    {
        var reader = new MessagePackReader(frame);
        FrameKind kind = FrameKind.Tick;
        try
        {
            var count = reader.ReadArrayHeader();
            kind = (FrameKind)reader.ReadInt32();
            Handle(connection, kind, count, ref reader);
            return true;
        }
        catch (UnknownMessageTypeException ex)
        {
            _router.Log.UnknownMessageType(Name, kind.ToString(), ex.Tag);
            FailUndeliverable(kind, frame);
            return true;
        }
        catch (Exception ex)
        {
            // Anything else a frame can make decoding throw (a registered type's constructor included) is the peer's
            // fault: that connection closes, the node goes on.
            _router.Log.BadFrame(Name, kind.ToString(), ex);
            connection.Close($"a malformed {kind} frame: {ex.Message}");
            return false;
        }
    }

    private void Handle(Connection connection, FrameKind kind, int count, ref MessagePackReader reader)
    {
        var codec = _router.Codec;
        switch (kind)
        {
            case FrameKind.Tick when count == 1:
                return;
            case FrameKind.Send when count == 4:
                {
                    var target = Target(ref reader);
                    var message = codec.ReadMessage(ref reader) ?? throw new MessagePackSerializationException("a message is not nil");
                    target?.Enqueue(message);
                    return;
                }

            case FrameKind.SendNamed when count == 3:
                {
                    var name = reader.ReadString() ?? string.Empty;
                    var message = codec.ReadMessage(ref reader) ?? throw new MessagePackSerializationException("a message is not nil");
                    _router.Node.WhereIs(name).Send(message);
                    return;
                }

            case FrameKind.Cast when count == 4:
                {
                    var target = Target(ref reader);
                    var request = codec.ReadMessage(ref reader) ?? throw new MessagePackSerializationException("a cast is not nil");
                    target?.EnqueueCast(request);
                    return;
                }

            case FrameKind.CastNamed when count == 3:
                {
                    var name = reader.ReadString() ?? string.Empty;
                    var request = codec.ReadMessage(ref reader) ?? throw new MessagePackSerializationException("a cast is not nil");
                    _router.Node.WhereIs(name).Process?.EnqueueCast(request);
                    return;
                }

            case FrameKind.Link when count == 4:
                {
                    var creation = reader.ReadUInt32();
                    var from = Remote(connection, reader.ReadInt64());
                    var targetId = reader.ReadInt64();
                    var to = Local(creation, targetId);
                    if (to is not null && to.AddRemoteLink(from))
                    {
                        lock (_gate)
                        {
                            _links.Add((to, from));
                        }
                    }
                    else
                    {
                        // Linking to a dead process: the linker gets an exit signal noproc.
                        WriteLinkExit(targetId, from, ExitReason.NoProc);
                    }

                    return;
                }

            case FrameKind.Unlink when count == 4:
                {
                    var creation = reader.ReadUInt32();
                    var from = Remote(connection, reader.ReadInt64());
                    if (Local(creation, reader.ReadInt64()) is { } to)
                    {
                        to.RemoveRemoteLink(from);
                        lock (_gate)
                        {
                            _links.Remove((to, from));
                        }
                    }

                    return;
                }

            case FrameKind.LinkExit when count == 5:
                {
                    var creation = reader.ReadUInt32();
                    var from = Remote(connection, reader.ReadInt64());
                    var to = Local(creation, reader.ReadInt64());
                    var reason = codec.ReadReason(ref reader);
                    if (to is not null)
                    {
                        lock (_gate)
                        {
                            _links.Remove((to, from));
                        }

                        to.OnRemoteLinkExit(from, reason);
                    }

                    return;
                }

            case FrameKind.Exit when count == 5:
                {
                    var creation = reader.ReadUInt32();
                    var from = codec.ReadPid(ref reader);
                    var to = Local(creation, reader.ReadInt64());
                    var reason = codec.ReadReason(ref reader);
                    to?.OnRemoteExitSignal(from, reason);
                    return;
                }

            case FrameKind.Monitor when count == 4:
                {
                    var creation = reader.ReadUInt32();
                    var target = Local(creation, reader.ReadInt64());
                    var id = reader.ReadInt64();
                    if (target is null)
                    {
                        WriteDown(id, ExitReason.NoProc);
                        return;
                    }

                    var monitor = new MonitorRef(target, new RemoteWatcher(this, id));
                    lock (_gate)
                    {
                        _inMonitors[id] = monitor;
                    }

                    // A dead target answers DOWN noproc at once, through the watcher.
                    target.AddMonitorOrFail(monitor);
                    return;
                }

            case FrameKind.Demonitor when count == 2:
                {
                    var id = reader.ReadInt64();
                    MonitorRef? monitor;
                    lock (_gate)
                    {
                        _inMonitors.Remove(id, out monitor);
                    }

                    monitor?.Target!.RemoveMonitor(monitor);
                    return;
                }

            case FrameKind.Down when count == 3:
                {
                    var id = reader.ReadInt64();
                    var reason = codec.ReadReason(ref reader);
                    MonitorRef? monitor;
                    lock (_gate)
                    {
                        _outMonitors.Remove(id, out monitor);
                    }

                    monitor?.Watcher.OnDown(monitor, reason);
                    return;
                }

            case FrameKind.Call when count == 5:
                {
                    var id = reader.ReadInt64();
                    var target = Target(ref reader);
                    var request = codec.ReadMessage(ref reader) ?? throw new MessagePackSerializationException("a call's request is not nil");
                    Deliver(target, id, request);
                    return;
                }

            case FrameKind.CallNamed when count == 4:
                {
                    var id = reader.ReadInt64();
                    var name = reader.ReadString() ?? string.Empty;
                    var request = codec.ReadMessage(ref reader) ?? throw new MessagePackSerializationException("a call's request is not nil");
                    Deliver(_router.Node.WhereIs(name).Process, id, request);
                    return;
                }

            case FrameKind.Reply when count == 3:
                {
                    var id = reader.ReadInt64();
                    var reply = codec.ReadMessage(ref reader);
                    TakeCall(id)?.TryReply(reply);
                    return;
                }

            case FrameKind.ReplyFailed when count == 3:
                {
                    var id = reader.ReadInt64();
                    var reason = codec.ReadReason(ref reader);
                    TakeCall(id)?.Fail(reason);
                    return;
                }

            case FrameKind.Spawn when count == 8:
                {
                    var id = reader.ReadInt64();
                    var parentId = reader.ReadInt64();
                    var link = reader.ReadBoolean();
                    var server = reader.ReadBoolean();
                    var function = reader.ReadString() ?? string.Empty;
                    var argument = codec.ReadMessage(ref reader);
                    var name = reader.ReadString();
                    var parent = parentId > 0 ? Remote(connection, parentId) : null;
                    _router.StartExposed(this, id, parent, link, server, function, argument, name);
                    return;
                }

            case FrameKind.SpawnReply when count == 4:
                {
                    var id = reader.ReadInt64();
                    var pidId = reader.ReadInt64();
                    var reason = reader.TryReadNil() ? null : codec.ReadReason(ref reader);
                    TaskCompletionSource<StartResult>? start;
                    lock (_gate)
                    {
                        _starts.Remove(id, out start);
                    }

                    start?.TrySetResult(pidId > 0 ? StartResult.Ok(new Pid(Remote(connection, pidId))) : StartResult.Fail(reason ?? ExitReason.NoProc));
                    return;
                }

            default:
                throw new MessagePackSerializationException($"unknown frame kind {(int)kind} with {count} items");
        }
    }

    /// <summary>Answers a remote start (<see cref="Router.StartExposed"/>): the new pid, or why it did not start.</summary>
    public void ReplyStart(long id, Pid pid, ExitReason? reason) =>
        Write((id, pid.Id, reason), static (ref MessagePackWriter w, WireCodec codec, (long Id, long Pid, ExitReason? Reason) s) =>
        {
            w.WriteArrayHeader(4);
            w.Write((int)FrameKind.SpawnReply);
            w.Write(s.Id);
            w.Write(s.Pid);
            if (s.Reason is null)
            {
                w.WriteNil();
            }
            else
            {
                codec.WriteReason(ref w, s.Reason);
            }
        });

    /// <summary>A DOWN for a monitor the peer holds on a process here (<see cref="RemoteWatcher"/>).</summary>
    public void OnInboundDown(long id, ExitReason reason)
    {
        lock (_gate)
        {
            if (!_inMonitors.Remove(id))
            {
                return;
            }
        }

        WriteDown(id, reason);
    }

    private void WriteDown(long id, ExitReason reason) =>
        Write((id, reason), static (ref MessagePackWriter w, WireCodec codec, (long Id, ExitReason Reason) s) =>
        {
            w.WriteArrayHeader(3);
            w.Write((int)FrameKind.Down);
            w.Write(s.Id);
            codec.WriteReason(ref w, s.Reason);
        });

    private void WriteLinkExit(long fromId, RemotePid to, ExitReason reason) => Write((fromId, to, reason), LinkExitFrame);

    private void Deliver(LocalProcess? target, long id, object request)
    {
        var call = new CallRequest(target?.Self ?? Pid.None, request) { ReplySink = this, RemoteId = id };
        if (target is null || !target.Enqueue(call))
        {
            ((IRemoteCalls)this).Failed(call, ExitReason.NoProc);
        }
    }

    private CallRequest? TakeCall(long id)
    {
        lock (_gate)
        {
            _calls.Remove(id, out var call);
            return call;
        }
    }

    /// <summary>A frame whose message could not be decoded: a call fails with the reason, anything else is dropped.</summary>
    private void FailUndeliverable(FrameKind kind, ReadOnlyMemory<byte> frame)
    {
        if (kind is not (FrameKind.Call or FrameKind.CallNamed))
        {
            return;
        }

        var reader = new MessagePackReader(frame);
        reader.ReadArrayHeader();
        reader.ReadInt32();
        var id = reader.ReadInt64();
        Write((id, ExitReason.Of(new Atom("unknown_message_type"))), static (ref MessagePackWriter w, WireCodec codec, (long Id, ExitReason Reason) s) =>
        {
            w.WriteArrayHeader(3);
            w.Write((int)FrameKind.ReplyFailed);
            w.Write(s.Id);
            codec.WriteReason(ref w, s.Reason);
        });
    }

    /// <summary>Reads a target (creation, id) of this node: the live process, or null when it is gone or of another incarnation.</summary>
    private LocalProcess? Target(ref MessagePackReader reader)
    {
        var creation = reader.ReadUInt32();
        return Local(creation, reader.ReadInt64());
    }

    private LocalProcess? Local(uint creation, long id) => creation == _router.Creation ? _router.Lookup(id) : null;

    private RemotePid Remote(Connection connection, long id) =>
        id > 0 ? new RemotePid(_router, Name, connection.Creation, id) : throw new MessagePackSerializationException("a process number is positive");
}
