using System.Diagnostics;
using MessagePack;
using Trellis.Internal;

namespace Trellis.Distribution.Internal;

/// <summary>Writes one frame's body.</summary>
internal delegate void FrameWrite<T>(ref MessagePackWriter writer, WireCodec codec, T state);

/// <summary>
/// Everything this node has to do with one other node: the outbox of frames (kept while a connection is being made, so
/// what is sent meanwhile goes out first once it is up), the current connection and the peer's incarnation, and the
/// tables of what crosses it (links, monitors both ways, calls in flight, remote starts). When the connection is lost
/// or cannot be made, every entry fires at once: links with <c>noconnection</c>, monitors with DOWN <c>noconnection</c>,
/// calls failed with <c>noconnection</c>. All state is guarded by one lock; nothing is signalled while it is held.
/// </summary>
internal sealed partial class Peer : IRemoteCalls
{
    private readonly Router _router;
    private readonly Lock _gate = new();
    private readonly HashSet<(LocalProcess Local, RemotePid Remote)> _links = [];
    private readonly Dictionary<long, MonitorRef> _outMonitors = [];
    private readonly Dictionary<long, MonitorRef> _inMonitors = [];
    private readonly Dictionary<long, CallRequest> _calls = [];
    private readonly Dictionary<long, TaskCompletionSource<StartResult>> _starts = [];
    private FrameBuffer _out = new();
    private Connection? _current;
    private Connection? _lastConnection;
    private TaskCompletionSource<bool> _up = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private uint _creation;
    private bool _connecting;
    private long _nextId;

    public Peer(Router router, string name)
    {
        _router = router;
        Name = name;
    }

    public string Name { get; }

    public bool IsConnected
    {
        get
        {
            lock (_gate)
            {
                return _current is not null;
            }
        }
    }

    public bool IsConnecting
    {
        get
        {
            lock (_gate)
            {
                return _connecting;
            }
        }
    }

    public bool IsReachable(RemotePid pid)
    {
        lock (_gate)
        {
            return _current is not null && _creation == pid.Creation;
        }
    }

    /// <summary>Starts connecting unless connected or connecting already; the attempt is owned by the router.</summary>
    public void EnsureConnecting()
    {
        lock (_gate)
        {
            if (_current is not null || _connecting)
            {
                return;
            }

            _connecting = true;
        }

        _router.StartConnect(this);
    }

    /// <summary>Writes a frame to the outbox (connecting first if need be). Encoding errors reach the caller; nothing is written then.</summary>
    private void Write<T>(T state, FrameWrite<T> write)
    {
        Connection? ring;
        bool connect;
        lock (_gate)
        {
            WriteLocked(state, write);
            ring = RingOrConnectLocked(out connect);
        }

        Kick(ring, connect);
    }

    /// <summary>After a write under the lock: the connection to ring, or (none yet) whether this caller starts connecting.</summary>
    private Connection? RingOrConnectLocked(out bool connect)
    {
        Debug.Assert(_gate.IsHeldByCurrentThread, "decided under the peer's lock");
        connect = _current is null && !_connecting;
        _connecting |= connect;
        return _current;
    }

    /// <summary>Outside the lock: rings the writer, or starts the connection attempt that was decided on.</summary>
    private void Kick(Connection? ring, bool connect)
    {
        ring?.Ring();
        if (connect)
        {
            _router.StartConnect(this);
        }
    }

    private void WriteLocked<T>(T state, FrameWrite<T> write)
    {
        Debug.Assert(_gate.IsHeldByCurrentThread, "the outbox is written under the peer's lock");
        var start = _out.Begin();
        try
        {
            var writer = new MessagePackWriter(_out);
            write(ref writer, _router.Codec, state);
            writer.Flush();
        }
        catch
        {
            _out.Rollback(start);
            throw;
        }

        var length = _out.End(start);
        if (length > _router.MaxFrameBytes)
        {
            _out.Rollback(start);
            throw new ArgumentException($"a message of {length} bytes is larger than NetworkOptions.MaxFrameBytes ({_router.MaxFrameBytes})");
        }
    }

    /// <summary>The writer of <paramref name="connection"/> takes what was gathered, handing back its empty buffer.</summary>
    public FrameBuffer TakeOutbox(Connection connection, FrameBuffer empty)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(connection, _current))
            {
                return empty;
            }

            var full = _out;
            _out = empty;
            return full;
        }
    }

    /// <summary>Whether frames wait in the outbox for <paramref name="connection"/>.</summary>
    public bool HasOutbox(Connection connection)
    {
        lock (_gate)
        {
            return ReferenceEquals(connection, _current) && _out.Count > 0;
        }
    }

    public void SendTick(Connection connection)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(connection, _current))
            {
                return;
            }

            WriteLocked(0, static (ref MessagePackWriter w, WireCodec _, int _) =>
            {
                w.WriteArrayHeader(1);
                w.Write((int)FrameKind.Tick);
            });
        }

        connection.Ring();
    }

    /// <summary>
    /// The handshake succeeded: <paramref name="connection"/> becomes current. An older connection is closed first (its
    /// entries fire <c>noconnection</c>); entries made while connecting that name another incarnation fire <c>noproc</c>.
    /// Returns false when a connection to the same incarnation is already up (a redundant outgoing attempt).
    /// </summary>
    public bool Adopt(Connection connection, bool replaceLive, bool outgoing)
    {
        Connection? old;
        lock (_gate)
        {
            old = _current;
            if (old is not null && !replaceLive)
            {
                return false;
            }
        }

        old?.Close("replaced by a new connection from the same node");
        Fired? stale;
        lock (_gate)
        {
            if (_current is not null)
            {
                // Another connection won meanwhile.
                return false;
            }

            _current = connection;
            _lastConnection = connection;
            _creation = connection.Creation;
            _connecting = false;
            stale = TakeStaleLocked(connection.Creation);
        }

        connection.Start();
        connection.Ring();
        _router.OnPeerUp(this, connection.Creation, outgoing);
        RenewUp().TrySetResult(true);
        stale?.Fire(ExitReason.NoProc);
        return true;
    }

    /// <summary>Waits until a connection is adopted (after a simultaneous connect, the other side's comes).</summary>
    public async Task<bool> WaitUpAsync(TimeSpan timeout, TimeProvider time)
    {
        try
        {
            return await WaitUpOrFailedAsync().WaitAsync(timeout, time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return IsConnected;
        }
    }

    /// <summary>True when a connection is adopted, false when the attempt under way fails.</summary>
    public Task<bool> WaitUpOrFailedAsync()
    {
        lock (_gate)
        {
            return _current is not null ? Task.FromResult(true) : _up.Task;
        }
    }

    private TaskCompletionSource<bool> RenewUp()
    {
        lock (_gate)
        {
            var up = _up;
            _up = new(TaskCreationOptions.RunContinuationsAsynchronously);
            return up;
        }
    }

    /// <summary>Waits for the current connection's loops to end (after <see cref="Disconnect"/>).</summary>
    public Task CompletionAsync()
    {
        lock (_gate)
        {
            return _lastConnection?.Completion ?? Task.CompletedTask;
        }
    }

    /// <summary>A connection attempt failed: everything waiting on it fires <c>noconnection</c>.</summary>
    public void OnConnectFailed()
    {
        Fired fired;
        lock (_gate)
        {
            _connecting = false;
            if (_current is not null)
            {
                return;
            }

            fired = TakeAllLocked();
        }

        RenewUp().TrySetResult(false);
        fired.Fire(ExitReason.NoConnection);
    }

    /// <summary>The connection closed: if it was the current one, everything across it fires <c>noconnection</c>.</summary>
    public void OnClosed(Connection connection, string reason)
    {
        Fired fired;
        lock (_gate)
        {
            if (!ReferenceEquals(connection, _current))
            {
                return;
            }

            _current = null;
            fired = TakeAllLocked();
        }

        _router.OnPeerDown(this, reason);
        fired.Fire(ExitReason.NoConnection);
    }

    /// <summary>Logs an unexpected failure of a connection's loop, with its exception.</summary>
    public void ReportFailure(Exception exception) => _router.Log.TaskFailed(exception);

    /// <summary>Closes the current connection, if any (the node is leaving the network).</summary>
    public void Disconnect(string reason)
    {
        Connection? current;
        lock (_gate)
        {
            current = _current;
        }

        current?.Close(reason);
    }

    private Fired TakeAllLocked()
    {
        var fired = new Fired(
            [.. _links],
            [.. _outMonitors.Values],
            [.. _inMonitors.Values],
            [.. _calls.Values],
            [.. _starts.Values]);
        _links.Clear();
        _outMonitors.Clear();
        _inMonitors.Clear();
        _calls.Clear();
        _starts.Clear();
        _out.Clear();
        return fired;
    }

    private Fired? TakeStaleLocked(uint creation)
    {
        var links = _links.Where(l => l.Remote.Creation != creation).ToList();
        var monitors = _outMonitors.Values.Where(m => m.RemoteTarget!.Creation != creation).ToList();
        var calls = _calls.Values.Where(c => c.Server.Remote is { } r && r.Creation != creation).ToList();
        if (links.Count + monitors.Count + calls.Count == 0)
        {
            return null;
        }

        foreach (var link in links)
        {
            _links.Remove(link);
        }

        foreach (var monitor in monitors)
        {
            _outMonitors.Remove(monitor.Id);
        }

        foreach (var call in calls)
        {
            _calls.Remove(call.RemoteId);
        }

        return new Fired(links, monitors, [], calls, []);
    }

    /// <summary>What a lost connection leaves behind, fired outside the lock.</summary>
    private sealed record Fired(
        List<(LocalProcess Local, RemotePid Remote)> Links,
        List<MonitorRef> OutMonitors,
        List<MonitorRef> InMonitors,
        List<CallRequest> Calls,
        List<TaskCompletionSource<StartResult>> Starts)
    {
        public void Fire(ExitReason reason)
        {
            foreach (var (local, remote) in Links)
            {
                local.OnRemoteLinkExit(remote, reason);
            }

            foreach (var monitor in OutMonitors)
            {
                monitor.Watcher.OnDown(monitor, reason);
            }

            foreach (var monitor in InMonitors)
            {
                monitor.Target!.RemoveMonitor(monitor);
            }

            foreach (var call in Calls)
            {
                call.Fail(reason);
            }

            foreach (var start in Starts)
            {
                start.TrySetResult(StartResult.Fail(reason));
            }
        }
    }
}
