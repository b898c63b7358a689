using MessagePack;
using Trellis.Internal;

namespace Trellis.Distribution.Internal;

/// <summary>What this node does to the peer's processes: each writes one frame, and records what must fire if the connection is lost.</summary>
internal sealed partial class Peer
{
    public bool Send(RemotePid to, object message) => SendTo(FrameKind.Send, to, message);

    public bool SendNamed(string name, object message, FrameKind kind = FrameKind.SendNamed)
    {
        Write((name, message, kind), static (ref MessagePackWriter w, WireCodec codec, (string Name, object Message, FrameKind Kind) s) =>
        {
            w.WriteArrayHeader(3);
            w.Write((int)s.Kind);
            w.Write(s.Name);
            codec.WriteMessage(ref w, s.Message);
        });
        return true;
    }

    public bool Cast(RemotePid to, object request) => SendTo(FrameKind.Cast, to, request);

    /// <summary>A message or a cast to a process of the peer: [kind, creation, id, message].</summary>
    private bool SendTo(FrameKind kind, RemotePid to, object message)
    {
        Connection? ring;
        bool connect;
        lock (_gate)
        {
            // One lock per message: the incarnation is checked where the frame is written.
            if (_current is not null && _creation != to.Creation)
            {
                return false;
            }

            WriteLocked((kind, to, message), static (ref MessagePackWriter w, WireCodec codec, (FrameKind Kind, RemotePid To, object Message) s) =>
            {
                w.WriteArrayHeader(4);
                w.Write((int)s.Kind);
                w.Write(s.To.Creation);
                w.Write(s.To.Id);
                codec.WriteMessage(ref w, s.Message);
            });
            ring = RingOrConnectLocked(out connect);
        }

        Kick(ring, connect);
        return true;
    }

    public void Link(LocalProcess from, RemotePid to)
    {
        if (IsStale(to))
        {
            from.OnRemoteLinkExit(to, ExitReason.NoProc);
            return;
        }

        _router.Export(from);
        lock (_gate)
        {
            _links.Add((from, to));
            WriteLinkLocked(FrameKind.Link, from, to);
        }

        Ring();
    }

    public void Unlink(LocalProcess from, RemotePid to)
    {
        lock (_gate)
        {
            if (!_links.Remove((from, to)))
            {
                return;
            }

            WriteLinkLocked(FrameKind.Unlink, from, to);
        }

        Ring();
    }

    public void LinkExited(LocalProcess from, RemotePid to, ExitReason reason)
    {
        lock (_gate)
        {
            // Sent while connecting too: a LINK may be waiting in the outbox, and its other side must hear of the exit.
            if (!_links.Remove((from, to)) || (_current is null && !_connecting))
            {
                return;
            }

            WriteLocked((from.Id, to, reason), LinkExitFrame);
        }

        Ring();
    }

    public void Exit(Pid from, RemotePid to, ExitReason reason)
    {
        if (IsStale(to))
        {
            return;
        }

        Write((from, to, reason), static (ref MessagePackWriter w, WireCodec codec, (Pid From, RemotePid To, ExitReason Reason) s) =>
        {
            w.WriteArrayHeader(5);
            w.Write((int)FrameKind.Exit);
            w.Write(s.To.Creation);
            codec.WritePid(ref w, s.From);
            w.Write(s.To.Id);
            codec.WriteReason(ref w, s.Reason);
        });
    }

    public void Monitor(MonitorRef monitor)
    {
        var target = monitor.RemoteTarget!;
        if (IsStale(target))
        {
            monitor.Watcher.OnDown(monitor, ExitReason.NoProc);
            return;
        }

        lock (_gate)
        {
            _outMonitors[monitor.Id] = monitor;
            WriteLocked(monitor, static (ref MessagePackWriter w, WireCodec _, MonitorRef m) =>
            {
                w.WriteArrayHeader(4);
                w.Write((int)FrameKind.Monitor);
                w.Write(m.RemoteTarget!.Creation);
                w.Write(m.RemoteTarget.Id);
                w.Write(m.Id);
            });
        }

        Ring();
    }

    public void Demonitor(MonitorRef monitor)
    {
        lock (_gate)
        {
            if (!_outMonitors.Remove(monitor.Id) || (_current is null && !_connecting))
            {
                return;
            }

            WriteLocked(monitor.Id, static (ref MessagePackWriter w, WireCodec _, long id) =>
            {
                w.WriteArrayHeader(2);
                w.Write((int)FrameKind.Demonitor);
                w.Write(id);
            });
        }

        Ring();
    }

    public void Call(RemotePid to, CallRequest call)
    {
        if (IsStale(to))
        {
            call.Fail(ExitReason.NoProc);
            return;
        }

        SendCall(call, (to, call), static (ref MessagePackWriter w, WireCodec codec, (RemotePid To, CallRequest Call) s) =>
        {
            w.WriteArrayHeader(5);
            w.Write((int)FrameKind.Call);
            w.Write(s.Call.RemoteId);
            w.Write(s.To.Creation);
            w.Write(s.To.Id);
            codec.WriteMessage(ref w, s.Call.Request);
        });
    }

    public void CallNamed(string name, CallRequest call) =>
        SendCall(call, (name, call), static (ref MessagePackWriter w, WireCodec codec, (string Name, CallRequest Call) s) =>
        {
            w.WriteArrayHeader(4);
            w.Write((int)FrameKind.CallNamed);
            w.Write(s.Call.RemoteId);
            w.Write(s.Name);
            codec.WriteMessage(ref w, s.Call.Request);
        });

    /// <summary>Asks the peer to start an exposed function or server; the answer completes the returned task.</summary>
    public Task<StartResult> Start(LocalProcess? parent, bool link, bool server, string function, object? argument, string? registeredName)
    {
        var done = new TaskCompletionSource<StartResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool connect;
        Connection? ring;
        lock (_gate)
        {
            var id = ++_nextId;
            WriteLocked((id, parent?.Id ?? 0, link, server, function, argument, registeredName), static (ref MessagePackWriter w, WireCodec codec, (long Id, long Parent, bool Link, bool Server, string Function, object? Argument, string? Name) s) =>
            {
                w.WriteArrayHeader(8);
                w.Write((int)FrameKind.Spawn);
                w.Write(s.Id);
                w.Write(s.Parent);
                w.Write(s.Link);
                w.Write(s.Server);
                w.Write(s.Function);
                codec.WriteMessage(ref w, s.Argument);
                w.Write(s.Name);
            });
            _starts[id] = done;
            ring = RingOrConnectLocked(out connect);
        }

        if (parent is not null)
        {
            _router.Export(parent);
        }

        Kick(ring, connect);
        return done.Task;
    }

    /// <summary>Forgets a start the caller stopped waiting for.</summary>
    public void ForgetStart(Task<StartResult> start)
    {
        lock (_gate)
        {
            foreach (var (id, pending) in _starts)
            {
                if (pending.Task == start)
                {
                    _starts.Remove(id);
                    return;
                }
            }
        }
    }

    void IRemoteCalls.Released(CallRequest call)
    {
        lock (_gate)
        {
            _calls.Remove(call.RemoteId);
        }
    }

    void IRemoteCalls.Replied(CallRequest call, object? reply)
    {
        try
        {
            Write((call.RemoteId, reply), static (ref MessagePackWriter w, WireCodec codec, (long Id, object? Reply) s) =>
            {
                w.WriteArrayHeader(3);
                w.Write((int)FrameKind.Reply);
                w.Write(s.Id);
                codec.WriteMessage(ref w, s.Reply);
            });
        }
        catch (ArgumentException ex)
        {
            // A reply that cannot cross the wire fails the call on the caller's side, with the reason why.
            _router.Log.ReplyNotSent(Name, ex.Message);
            ((IRemoteCalls)this).Failed(call, ExitReason.Of(new RemoteTerm("{reply_not_sent," + Terms.Format(ex.Message) + "}")));
        }
    }

    void IRemoteCalls.Failed(CallRequest call, ExitReason reason) =>
        Write((call.RemoteId, reason), static (ref MessagePackWriter w, WireCodec codec, (long Id, ExitReason Reason) s) =>
        {
            w.WriteArrayHeader(3);
            w.Write((int)FrameKind.ReplyFailed);
            w.Write(s.Id);
            codec.WriteReason(ref w, s.Reason);
        });

    private void SendCall<T>(CallRequest call, T state, FrameWrite<T> write)
    {
        bool connect;
        Connection? ring;
        lock (_gate)
        {
            call.RemoteId = ++_nextId;
            call.Owner = this;
            WriteLocked(state, write);
            _calls[call.RemoteId] = call;
            ring = RingOrConnectLocked(out connect);
        }

        Kick(ring, connect);
    }

    /// <summary>[LinkExit, creation, fromId, toId, reason]: a process here, linked to <c>To</c> there, exited.</summary>
    private static void LinkExitFrame(ref MessagePackWriter w, WireCodec codec, (long From, RemotePid To, ExitReason Reason) s)
    {
        w.WriteArrayHeader(5);
        w.Write((int)FrameKind.LinkExit);
        w.Write(s.To.Creation);
        w.Write(s.From);
        w.Write(s.To.Id);
        codec.WriteReason(ref w, s.Reason);
    }

    private void WriteLinkLocked(FrameKind kind, LocalProcess from, RemotePid to) =>
        WriteLocked((kind, from.Id, to), static (ref MessagePackWriter w, WireCodec _, (FrameKind Kind, long From, RemotePid To) s) =>
        {
            w.WriteArrayHeader(4);
            w.Write((int)s.Kind);
            w.Write(s.To.Creation);
            w.Write(s.From);
            w.Write(s.To.Id);
        });

    /// <summary>Rings the current connection's writer, or starts connecting.</summary>
    private void Ring()
    {
        Connection? ring;
        bool connect;
        lock (_gate)
        {
            ring = RingOrConnectLocked(out connect);
        }

        Kick(ring, connect);
    }

    /// <summary>A pid of an incarnation other than the connected one: its process is gone for good.</summary>
    private bool IsStale(RemotePid pid)
    {
        lock (_gate)
        {
            return _current is not null && _creation != pid.Creation;
        }
    }
}
