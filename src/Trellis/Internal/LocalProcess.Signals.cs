using System.Diagnostics;

namespace Trellis.Internal;

/// <summary>Links, monitors and exit signals (as erlang:link/1, monitor/2 and exit/2).</summary>
internal sealed partial class LocalProcess : IDownWatcher
{
    public override bool Send(Pid to, object message) => to.Send(message);

    public override Pid Spawn(Func<ProcessContext, ValueTask> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        ThrowIfDead();
        var child = new LocalProcess(_node, body);
        child.Start();
        return child.Self;
    }

    public override Pid SpawnLink(Func<ProcessContext, ValueTask> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var child = new LocalProcess(_node, body);
        LinkNew(child);
        child.Start();
        return child.Self;
    }

    /// <summary>
    /// Spawns a linked process that traps exits from its first instant, before its body runs: a process that must
    /// never be taken down by a linked process's exit (a registry partition) cannot set the flag itself in time.
    /// </summary>
    internal Pid SpawnLinkTrapping(Func<ProcessContext, ValueTask> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var child = new LocalProcess(_node, body);
        child._flags |= FlagTrapExit;
        LinkNew(child);
        child.Start();
        return child.Self;
    }

    public override (Pid Pid, MonitorRef Monitor) SpawnMonitor(Func<ProcessContext, ValueTask> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        ThrowIfDead();
        var child = new LocalProcess(_node, body);
        var monitor = new MonitorRef(child, this);
        child.AddMonitorOrFail(monitor);
        child.Start();
        return (child.Self, monitor);
    }

    /// <summary>
    /// Spawns a process linked to this one and, before it runs, monitored (and optionally linked) by
    /// <paramref name="watcher"/>: what Task.Supervisor's async needs, with no handshake message.
    /// </summary>
    internal (Pid Pid, MonitorRef Monitor) SpawnLinkWatched(Func<ProcessContext, MonitorRef, ValueTask> body, LocalProcess watcher, bool linkWatcher)
    {
        MonitorRef? monitor = null;
        var child = new LocalProcess(_node, ctx => body(ctx, monitor!));
        LinkNew(child);
        if (linkWatcher && !TryLink(watcher, child))
        {
            child.Terminate(ExitReason.NoProc);
            return (child.Self, new MonitorRef(child, watcher));
        }

        monitor = new MonitorRef(child, watcher);
        child.AddMonitorOrFail(monitor);
        child.Start();
        return (child.Self, monitor);
    }

    /// <summary>Links a process that has not started yet (so it cannot be dead) to this one.</summary>
    internal void LinkNew(LocalProcess child)
    {
        if (!TryLink(this, child))
        {
            child.Terminate(ExitReason.NoProc);
            ThrowIfDead();
        }
    }

    /// <summary>Links unless already linked (one lock when it is, as after a start_link).</summary>
    internal void EnsureLinked(Pid other)
    {
        lock (_outbox.Gate)
        {
            if (_links is LocalProcess single ? ReferenceEquals(single, other.Process) : _links is HashSet<LocalProcess> set && set.Contains(other.Process!))
            {
                return;
            }
        }

        Link(other);
    }

    public override void Link(Pid other)
    {
        if (other.Remote is { } remote)
        {
            LinkRemote(remote);
            return;
        }

        var target = other.Process ?? throw new ArgumentException("cannot link to Pid.None", nameof(other));
        ThrowIfDead();
        if (ReferenceEquals(target, this) || TryLink(this, target))
        {
            return;
        }

        ThrowIfDead();
        if (TrapExit)
        {
            Enqueue(new ExitMessage(other, ExitReason.NoProc));
            return;
        }

        throw new ExitException(ExitReason.NoProc, $"link to {other} failed: noproc");
    }

    public override void Unlink(Pid other)
    {
        if (other.Remote is { } remote)
        {
            bool removed;
            lock (_outbox.Gate)
            {
                removed = _remoteLinks?.Remove(remote) ?? false;
            }

            if (removed)
            {
                remote.Router.Unlink(this, remote);
            }

            return;
        }

        var target = other.Process ?? throw new ArgumentException("cannot unlink Pid.None", nameof(other));
        if (ReferenceEquals(target, this))
        {
            return;
        }

        var (first, second) = Id < target.Id ? (this, target) : (target, this);
        lock (first._outbox.Gate)
        {
            lock (second._outbox.Gate)
            {
                RemoveLinkLocked(target);
                target.RemoveLinkLocked(this);
            }
        }
    }

    internal static bool TryLink(LocalProcess a, LocalProcess b)
    {
        var (first, second) = a.Id < b.Id ? (a, b) : (b, a);
        lock (first._outbox.Gate)
        {
            lock (second._outbox.Gate)
            {
                if (a._exitReason is not null || b._exitReason is not null)
                {
                    return false;
                }

                a.AddLinkLocked(b);
                b.AddLinkLocked(a);
                return true;
            }
        }
    }

    private void AddLinkLocked(LocalProcess other)
    {
        Debug.Assert(Sync.IsHeldByCurrentThread, "AddLinkLocked runs under the process's lock");
        switch (_links)
        {
            case null:
                _links = other;
                break;
            case LocalProcess single when !ReferenceEquals(single, other):
                _links = new HashSet<LocalProcess> { single, other };
                break;
            case HashSet<LocalProcess> set:
                set.Add(other);
                break;
        }
    }

    private bool RemoveLinkLocked(LocalProcess other)
    {
        Debug.Assert(Sync.IsHeldByCurrentThread, "RemoveLinkLocked runs under the process's lock");
        switch (_links)
        {
            case LocalProcess single when ReferenceEquals(single, other):
                _links = null;
                return true;
            case HashSet<LocalProcess> set:
                return set.Remove(other);
            default:
                return false;
        }
    }

    /// <summary>The processes linked to this one (a snapshot), those on this node first.</summary>
    internal List<Pid> LinkedPids()
    {
        lock (_outbox.Gate)
        {
            List<Pid> pids = _links switch
            {
                LocalProcess single => [single.Self],
                HashSet<LocalProcess> set => set.Select(p => p.Self).ToList(),
                _ => [],
            };
            if (_remoteLinks is { } remote)
            {
                pids.AddRange(remote.Select(r => new Pid(r)));
            }

            return pids;
        }
    }

    /// <summary>Links to a process on another node: the link is in place here at once, and the other side is told.</summary>
    private void LinkRemote(RemotePid remote)
    {
        lock (_outbox.Gate)
        {
            ThrowIfDead();
            _remoteLinks ??= [];
            if (!_remoteLinks.Add(remote))
            {
                return;
            }
        }

        remote.Router.Link(this, remote);
    }

    /// <summary>A process on another node linked to this one (its LINK arrived); false when this process is dead.</summary>
    internal bool AddRemoteLink(RemotePid remote)
    {
        lock (_outbox.Gate)
        {
            if (_exitReason is not null)
            {
                return false;
            }

            _remoteLinks ??= [];
            _remoteLinks.Add(remote);
            return true;
        }
    }

    /// <summary>A process on another node removed its link to this one.</summary>
    internal void RemoveRemoteLink(RemotePid remote)
    {
        lock (_outbox.Gate)
        {
            _remoteLinks?.Remove(remote);
        }
    }

    /// <summary>
    /// A linked process on another node exited, or its connection was lost (<c>noconnection</c>). Ignored unless the
    /// link is still in place (unlink wins).
    /// </summary>
    internal void OnRemoteLinkExit(RemotePid from, ExitReason reason)
    {
        lock (_outbox.Gate)
        {
            if (_exitReason is not null || _remoteLinks is null || !_remoteLinks.Remove(from))
            {
                return;
            }
        }

        ReceiveExitSignal(new Pid(from), reason, untrappable: false);
    }

    /// <summary>An exit signal sent by exit/2 from another node (<c>kill</c> is untrappable, as locally).</summary>
    internal void OnRemoteExitSignal(Pid from, ExitReason reason) =>
        ReceiveExitSignal(from, reason, untrappable: reason.Kind == ExitReasonKind.Kill);

    private static void SignalRemoteLinks(LocalProcess from, HashSet<RemotePid>? links, ExitReason reason)
    {
        if (links is null)
        {
            return;
        }

        foreach (var remote in links)
        {
            remote.Router.LinkExited(from, remote, reason);
        }
    }

    private void SignalLinks(object? links, ExitReason reason)
    {
        switch (links)
        {
            case LocalProcess single:
                single.OnLinkedExit(this, reason);
                break;
            case HashSet<LocalProcess> set:
                foreach (var p in set)
                {
                    p.OnLinkedExit(this, reason);
                }

                break;
        }
    }

    /// <summary>A linked process exited. Ignored if the link was removed meanwhile (unlink wins).</summary>
    private void OnLinkedExit(LocalProcess from, ExitReason reason)
    {
        lock (_outbox.Gate)
        {
            if (_exitReason is not null || !RemoveLinkLocked(from))
            {
                return;
            }
        }

        ReceiveExitSignal(from.Self, reason, untrappable: false);
    }

    public override void Exit(Pid target, ExitReason reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        SendExitSignal(Self, target, reason);
    }

    /// <summary>Erlang's exit/2 from <paramref name="from"/> (<see cref="Pid.None"/> when outside any process).</summary>
    internal static void SendExitSignal(Pid from, Pid target, ExitReason reason)
    {
        if (target.Remote is { } remote)
        {
            remote.Router.Exit(from, remote, reason);
            return;
        }

        if (target.Process is not { } process)
        {
            return;
        }

        process.ReceiveExitSignal(from, reason, untrappable: reason.Kind == ExitReasonKind.Kill);
    }

    private void ReceiveExitSignal(Pid from, ExitReason reason, bool untrappable)
    {
        if (untrappable)
        {
            Terminate(ExitReason.Killed);
            return;
        }

        ITimer? timer = null;
        object? message = null;
        lock (_outbox.Gate)
        {
            if (_exitReason is not null)
            {
                return;
            }

            if ((_flags & FlagTrapExit) != 0)
            {
                message = new ExitMessage(from, reason);
                if (!EnqueueLocked(message, ref timer))
                {
                    return;
                }
            }
        }

        if (message is not null)
        {
            timer?.Dispose();
            Resume(message);
            return;
        }

        if (reason.IsNormal && !ReferenceEquals(from.Process, this))
        {
            return;
        }

        Terminate(reason);
    }

    public override MonitorRef Monitor(Pid target)
    {
        if (target.Remote is { } remote)
        {
            ThrowIfDead();
            var remoteMonitor = new MonitorRef(remote, this);
            remote.Router.Monitor(remoteMonitor);
            return remoteMonitor;
        }

        var process = target.Process ?? throw new ArgumentException("cannot monitor Pid.None", nameof(target));
        ThrowIfDead();
        var monitor = new MonitorRef(process, this);
        process.AddMonitorOrFail(monitor);
        return monitor;
    }

    /// <summary>Adds a monitor on this process; if it is already dead the watcher gets DOWN noproc at once.</summary>
    internal void AddMonitorOrFail(MonitorRef monitor)
    {
        lock (_outbox.Gate)
        {
            if (_exitReason is null)
            {
                switch (_monitors)
                {
                    case null:
                        _monitors = monitor;
                        break;
                    case MonitorRef single:
                        _monitors = new List<MonitorRef> { single, monitor };
                        break;
                    case List<MonitorRef> list:
                        list.Add(monitor);
                        break;
                }

                return;
            }
        }

        monitor.Watcher.OnDown(monitor, ExitReason.NoProc);
    }

    internal void RemoveMonitor(MonitorRef monitor)
    {
        lock (_outbox.Gate)
        {
            switch (_monitors)
            {
                case MonitorRef single when ReferenceEquals(single, monitor):
                    _monitors = null;
                    break;
                case List<MonitorRef> list:
                    list.Remove(monitor);
                    break;
            }
        }
    }

    public override bool Demonitor(MonitorRef monitor, bool flush = false)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        if (!ReferenceEquals(monitor.Watcher, this))
        {
            return false;
        }

        bool wasActive;
        lock (_outbox.Gate)
        {
            wasActive = monitor.Active;
            monitor.Active = false;
        }

        if (monitor.Target is { } target)
        {
            target.RemoveMonitor(monitor);
        }
        else if (wasActive)
        {
            monitor.RemoteTarget!.Router.Demonitor(monitor);
        }
        if (flush)
        {
            RemoveAll(m => m is DownMessage d && ReferenceEquals(d.Ref, monitor));
        }

        return wasActive;
    }

    private static void SignalMonitors(object? monitors, ExitReason reason)
    {
        switch (monitors)
        {
            case MonitorRef single:
                single.Watcher.OnDown(single, reason);
                break;
            case List<MonitorRef> list:
                foreach (var m in list)
                {
                    m.Watcher.OnDown(m, reason);
                }

                break;
        }
    }

    void IDownWatcher.OnDown(MonitorRef monitor, ExitReason reason)
    {
        ITimer? timer = null;
        DownMessage message;
        lock (_outbox.Gate)
        {
            if (!monitor.Active || _exitReason is not null)
            {
                return;
            }

            monitor.Active = false;
            message = new DownMessage(monitor, monitor.Pid, reason);
            if (!EnqueueLocked(message, ref timer))
            {
                return;
            }
        }

        timer?.Dispose();
        Resume(message);
    }

    /// <summary>How many processes monitor this one.</summary>
    internal int MonitorCount()
    {
        lock (_outbox.Gate)
        {
            return _monitors switch
            {
                MonitorRef => 1,
                List<MonitorRef> list => list.Count,
                _ => 0,
            };
        }
    }
}
