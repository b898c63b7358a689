using System.Collections.Concurrent;
using Etcdserverpb;
using Grpc.Core;

namespace Trellis.Cluster.Internal;

/// <summary>
/// Each member's agent: the fencing point for cluster children. It starts a child only after one transaction has
/// checked that the owner's epoch is current and created the child's run key under this node's lease (so at most one
/// copy runs anywhere); it refuses a start or stop with an epoch older than one it has seen; it stops a supervisor's
/// children when that supervisor's owner key goes (the owner's node died or stopped it), or, when a standby lives,
/// one lease TTL later unless the new owner adopted them meanwhile; and it deletes a run key
/// when its child exits. It also keeps this node's cluster names, each removed when its process exits.
/// </summary>
internal sealed class ClusterAgent : GenServer
{
    private readonly ClusterCore _core;
    private readonly ConcurrentDictionary<string, Func<GenServer>> _kinds;
    private readonly List<AgentChild> _children = [];
    private readonly Dictionary<string, long> _seen = new(StringComparer.Ordinal);
    private readonly Dictionary<MonitorRef, (string Name, long Revision)> _names = [];
    private readonly Dictionary<string, ITimer> _graces = new(StringComparer.Ordinal);

    public ClusterAgent(ClusterCore core, ConcurrentDictionary<string, Func<GenServer>> kinds)
    {
        _core = core;
        _kinds = kinds;
    }

    private Keys Keys => _core.Keys;

    protected override InitResult Init(object? argument)
    {
        Context.TrapExit = true;
        _core.AgentPid = Self;
        _core.Subscribe(Keys.Sups, Self);
        _core.MonitorMembers(Self);
        return InitResult.Ok();
    }

    protected override async ValueTask<ServerResult> HandleCallAsync(object request, From from)
    {
        try
        {
            if (Protocol.IsTagged(request, Protocol.Start, 8, out var start))
            {
                return Reply(await StartChildAsync(start).ConfigureAwait(false));
            }

            if (Protocol.IsTagged(request, Protocol.Adopt, 4, out var adopt))
            {
                return Reply(await AdoptChildAsync(Protocol.Text(adopt[1]), Protocol.Text(adopt[2]), Protocol.Long(adopt[3])).ConfigureAwait(false));
            }

            if (Protocol.IsTagged(request, Protocol.Stop, 4, out var stop))
            {
                return Reply(await StopChildAsync(Protocol.Text(stop[1]), Protocol.Text(stop[2]), Protocol.Long(stop[3])).ConfigureAwait(false));
            }

            if (Protocol.IsTagged(request, Protocol.Register, 3, out var register) && register[2] is Pid pid)
            {
                return Reply(await RegisterAsync(Protocol.Text(register[1]), pid).ConfigureAwait(false));
            }

            if (Protocol.IsTagged(request, Protocol.Unregister, 2, out var unregister))
            {
                return Reply(await UnregisterAsync(Protocol.Text(unregister[1])).ConfigureAwait(false));
            }

            if (Protocol.IsTagged(request, Protocol.Which, 1, out _))
            {
                return Reply(_children.Select(c => (object?)new object?[] { c.Sup, c.Child, c.Epoch, c.Pid }).ToArray());
            }
        }
        catch (FormatException e)
        {
            return Reply(Error($"bad request: {e.Message}"));
        }
        catch (RpcException e)
        {
            return Reply(Error($"etcd: {e.StatusCode} ({e.Status.Detail})"));
        }

        return Reply(Error("bad request: not one the agent knows"));
    }

    protected override async ValueTask<ServerResult> HandleInfoAsync(object message)
    {
        switch (message)
        {
            case ExitMessage exit:
                if (_children.Find(c => c.Pid == exit.From) is { } gone)
                {
                    _children.Remove(gone);
                    await CleanupAsync(gone).ConfigureAwait(false);
                }

                break;
            case DownMessage down when _names.Remove(down.Ref, out var named):
                await DeleteGuardedAsync(Keys.Name(named.Name), named.Revision).ConfigureAwait(false);
                break;
            case StoreEvent change when Keys.SupOfOwner(change.Key) is { } sup:
                await OnOwnerChangedAsync(sup, change).ConfigureAwait(false);
                break;
            case object?[] { Length: 3 } grace when grace[0] is Atom a && a == Protocol.GraceOver && grace[1] is string sup && grace[2] is long epoch:
                if (_graces.Remove(sup, out var fired))
                {
                    await fired.DisposeAsync().ConfigureAwait(false);
                }

                await StopOrphansAsync(sup, c => c.Epoch <= epoch, ownerGone: false).ConfigureAwait(false);
                break;
            case MembershipChanged { Fenced: true }:
                // The core has signalled every child; the names went with the lease.
                foreach (var monitor in _names.Keys)
                {
                    Context.Demonitor(monitor, flush: true);
                }

                _names.Clear();
                break;
        }

        return NoReply();
    }

    protected override async ValueTask TerminateAsync(ExitReason reason)
    {
        // Leaving: each child is stopped as a supervisor stops it (shutdown, then kill after its time), last first.
        _core.Unsubscribe(Self);
        foreach (var timer in _graces.Values)
        {
            await timer.DisposeAsync().ConfigureAwait(false);
        }

        _graces.Clear();

        for (var i = _children.Count - 1; i >= 0; i--)
        {
            await StopAsync(_children[i]).ConfigureAwait(false);
        }
    }

    private async Task<object?> StartChildAsync(object?[] r)
    {
        var (sup, child, epoch, kind) = (Protocol.Text(r[1]), Protocol.Text(r[2]), Protocol.Long(r[3]), Protocol.Text(r[4]));
        var (argument, shutdown, name) = (r[5], TimeSpan.FromMilliseconds(Protocol.Long(r[6])), r[7] as string);
        if (!Names.IsValid(sup, out var e1) || !Names.IsValid(child, out e1) || (name is not null && !Names.IsValid(name, out e1)))
        {
            return Error($"bad request: {e1}");
        }

        if (!_core.HoldsLease)
        {
            return Error("fenced: this node does not hold its lease");
        }

        if (epoch < _seen.GetValueOrDefault(sup))
        {
            _core.Log.StaleEpoch("start", sup, child, epoch, _seen[sup]);
            return Error("stale_epoch");
        }

        if (_children.Find(c => c.Sup == sup && c.Child == child) is { } running)
        {
            return running.Epoch == epoch ? new object?[] { Protocol.Ok, running.Pid } : new object?[] { Protocol.Held, _core.Name };
        }

        if (!_kinds.TryGetValue(kind, out var factory))
        {
            return Error($"undef: this node exposes no child kind '{kind}'");
        }

        var runKey = Keys.Run(sup, child);
        var ownerKey = Keys.Owner(sup);
        var claim = new TxnRequest();
        claim.Compare.Add(EtcdStore.CreatedAt(ownerKey, epoch));
        claim.Compare.Add(EtcdStore.Absent(runKey));
        claim.Success.Add(EtcdStore.Put(runKey, RecordCodec.Encode(new RunRecord(_core.Name, _core.Creation, 0, epoch)), _core.Lease));
        claim.Failure.Add(EtcdStore.Get(runKey));
        claim.Failure.Add(EtcdStore.Get(ownerKey));
        var claimed = await _core.Store.TxnAsync(claim, Context.CancellationToken).ConfigureAwait(false);
        if (!claimed.Succeeded)
        {
            var owner = claimed.Responses[1].ResponseRange.Kvs;
            if (owner.Count == 0 || owner[0].CreateRevision != epoch)
            {
                if (owner.Count > 0)
                {
                    _seen[sup] = Math.Max(_seen.GetValueOrDefault(sup), owner[0].CreateRevision);
                }

                _core.Log.StaleEpoch("start", sup, child, epoch, owner.Count > 0 ? owner[0].CreateRevision : 0);
                return Error("stale_epoch");
            }

            var holder = claimed.Responses[0].ResponseRange.Kvs;
            return new object?[] { Protocol.Held, holder.Count > 0 ? RecordCodec.Run(holder[0].Value)?.Node ?? "" : "" };
        }

        _seen[sup] = Math.Max(_seen.GetValueOrDefault(sup), epoch);
        var runRevision = claimed.Header.Revision;
        StartResult started;
        try
        {
            started = await GenServer.StartLinkAsync(Context, factory, argument, cancellationToken: Context.CancellationToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A kind's factory is the application's code: its failure is the start's error, not the agent's.
        catch (Exception e)
#pragma warning restore CA1031
        {
            started = StartResult.Fail(ExitReason.FromException(e));
        }

        if (!started.IsOk)
        {
            await DeleteGuardedAsync(runKey, runRevision).ConfigureAwait(false);
            return new object?[] { Protocol.Error, started.Error ?? ExitReason.Atom("ignore") };
        }

        var pid = started.Pid;
        _core.AddHosted(pid, shutdown);
        _core.Export(pid);
        var hosted = new AgentChild(sup, child, epoch, pid, runRevision, shutdown, null, 0);
        _children.Add(hosted);
        if (!_core.HoldsLease)
        {
            // The node fenced itself while the child started: the fence's signal may have missed it, so stop it here.
            await StopAsync(hosted).ConfigureAwait(false);
            return Error("fenced: this node fenced itself while the child started");
        }
        var record = new TxnRequest();
        record.Compare.Add(EtcdStore.CreatedAt(runKey, runRevision));
        record.Success.Add(EtcdStore.Put(runKey, RecordCodec.Encode(new RunRecord(_core.Name, _core.Creation, pid.Id, epoch)), _core.Lease));
        if (name is not null)
        {
            record.Compare.Add(EtcdStore.Absent(Keys.Name(name)));
            record.Success.Add(EtcdStore.Put(Keys.Name(name), RecordCodec.Encode(new ProcessRecord(_core.Name, _core.Creation, pid.Id)), _core.Lease));
            record.Failure.Add(EtcdStore.Get(Keys.Name(name)));
        }

        TxnResponse recorded;
        try
        {
            recorded = await _core.Store.TxnAsync(record, Context.CancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException)
        {
            // The copy is not recorded as running: it must not run.
            await StopAsync(hosted).ConfigureAwait(false);
            return Error($"unavailable: etcd did not record the start ({(e is RpcException rpc ? rpc.StatusCode.ToString() : "timed out")})");
        }

        if (!recorded.Succeeded)
        {
            await StopAsync(hosted).ConfigureAwait(false);
            return name is not null && recorded.Responses.Count > 0 && recorded.Responses[0].ResponseRange.Kvs.Count > 0
                ? Error($"already_registered: the cluster name '{name}' is taken")
                : Error("lost: the run key changed while the child started");
        }

        if (name is not null)
        {
            _children[^1] = hosted with { Name = name, NameRevision = recorded.Header.Revision };
        }

        return new object?[] { Protocol.Ok, pid };
    }

    private async Task<object?> StopChildAsync(string sup, string child, long epoch)
    {
        if (epoch < _seen.GetValueOrDefault(sup))
        {
            _core.Log.StaleEpoch("stop", sup, child, epoch, _seen[sup]);
            return Error("stale_epoch");
        }

        if (_children.Find(c => c.Sup == sup && c.Child == child) is not { } hosted)
        {
            return Protocol.Ok;
        }

        await StopAsync(hosted).ConfigureAwait(false);
        return Protocol.Ok;
    }

    /// <summary>Stops a hosted child as a supervisor does (shutdown, then kill after its shutdown time), then forgets it.</summary>
    private async Task StopAsync(AgentChild hosted)
    {
        var exited = Node.WaitForExitAsync(hosted.Pid, CancellationToken.None);
        Context.Exit(hosted.Pid, ExitReason.Shutdown);
        try
        {
            await exited.WaitAsync(hosted.Shutdown, _core.Time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Context.Exit(hosted.Pid, ExitReason.Kill);
            await exited.ConfigureAwait(false);
        }

        _children.Remove(hosted);
        await CleanupAsync(hosted).ConfigureAwait(false);
    }

    private async Task OnOwnerChangedAsync(string sup, StoreEvent change)
    {
        if (!change.Deleted)
        {
            _seen[sup] = Math.Max(_seen.GetValueOrDefault(sup), change.CreateRevision);
        }

        // The owner whose epoch these children run under is gone, or another has taken its place.
        var threshold = change.Deleted ? change.CreateRevision : change.CreateRevision - 1;
        var waiting = _children.Count(c => c.Sup == sup && c.Epoch <= threshold);
        if (waiting == 0)
        {
            return;
        }

        if (_core.Snapshot(Keys.StandbysOf(sup)).Count > 0 || _graces.ContainsKey(sup))
        {
            // A standby takes over and adopts them (it keeps its standby key until it has); whatever it has not
            // adopted within one TTL stops then.
            _core.Log.AwaitingAdoption(sup, waiting, _core.Ttl);
            var message = new object?[] { Protocol.GraceOver, sup, threshold };
            var self = Self;
            if (_graces.Remove(sup, out var earlier))
            {
                // A later change restarts the grace; its threshold covers the earlier one's children too.
                await earlier.DisposeAsync().ConfigureAwait(false);
            }

            _graces[sup] = _core.Time.CreateTimer(_ => self.Send(message), null, _core.Ttl, Timeout.InfiniteTimeSpan);
            return;
        }

        await StopOrphansAsync(sup, c => c.Epoch <= threshold, ownerGone: true).ConfigureAwait(false);
    }

    private async Task StopOrphansAsync(string sup, Predicate<AgentChild> orphaned, bool ownerGone)
    {
        var orphans = _children.Where(c => c.Sup == sup && orphaned(c)).ToList();
        if (orphans.Count == 0)
        {
            return;
        }

        if (ownerGone)
        {
            _core.Log.OwnerGone(sup, orphans.Count);
        }
        else
        {
            _core.Log.NotAdopted(sup, orphans.Count);
        }

        for (var i = orphans.Count - 1; i >= 0; i--)
        {
            await StopAsync(orphans[i]).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A new owner (a standby that took over) adopts a child running here: one transaction checks that its epoch is the
    /// owner key's and that the run key is still this copy's, and records the new epoch; the child keeps running.
    /// </summary>
    private async Task<object?> AdoptChildAsync(string sup, string child, long epoch)
    {
        if (!_core.HoldsLease)
        {
            return Error("fenced: this node does not hold its lease");
        }

        if (epoch < _seen.GetValueOrDefault(sup))
        {
            _core.Log.StaleEpoch("adopt", sup, child, epoch, _seen[sup]);
            return Error("stale_epoch");
        }

        var index = _children.FindIndex(c => c.Sup == sup && c.Child == child);
        if (index < 0)
        {
            return Error("not_found: no such child runs here");
        }

        var hosted = _children[index];
        if (hosted.Epoch == epoch)
        {
            return new object?[] { Protocol.Ok, hosted.Pid };
        }

        var runKey = Keys.Run(sup, child);
        var txn = new TxnRequest();
        txn.Compare.Add(EtcdStore.CreatedAt(Keys.Owner(sup), epoch));
        txn.Compare.Add(EtcdStore.CreatedAt(runKey, hosted.RunRevision));
        txn.Success.Add(EtcdStore.Put(runKey, RecordCodec.Encode(new RunRecord(_core.Name, _core.Creation, hosted.Pid.Id, epoch)), _core.Lease));
        var adopted = await _core.Store.TxnAsync(txn, Context.CancellationToken).ConfigureAwait(false);
        if (!adopted.Succeeded)
        {
            return Error("stale_epoch: the owner key or the run key changed");
        }

        _seen[sup] = Math.Max(_seen.GetValueOrDefault(sup), epoch);
        _children[index] = hosted with { Epoch = epoch };
        _core.Log.Adopted(sup, child, epoch);
        return new object?[] { Protocol.Ok, hosted.Pid };
    }

    private async Task CleanupAsync(AgentChild gone)
    {
        _core.RemoveHosted(gone.Pid);
        if (_core.IsFenced)
        {
            return; // Its keys end with the old lease.
        }

        await DeleteGuardedAsync(Keys.Run(gone.Sup, gone.Child), gone.RunRevision).ConfigureAwait(false);
        if (gone.Name is not null)
        {
            await DeleteGuardedAsync(Keys.Name(gone.Name), gone.NameRevision).ConfigureAwait(false);
        }
    }

    private async Task<object?> RegisterAsync(string name, Pid pid)
    {
        if (!Names.IsValid(name, out var error))
        {
            return Error($"bad name '{name}': {error}");
        }

        if (pid.Process is null || pid.NodeName != _core.Name || !pid.IsAlive)
        {
            return Error("noproc: the process is not alive on this node");
        }

        if (!_core.HoldsLease)
        {
            return Error("fenced: this node does not hold its lease");
        }

        _core.Export(pid);
        var key = Keys.Name(name);
        var txn = new TxnRequest();
        txn.Compare.Add(EtcdStore.Absent(key));
        txn.Success.Add(EtcdStore.Put(key, RecordCodec.Encode(new ProcessRecord(_core.Name, _core.Creation, pid.Id)), _core.Lease));
        txn.Failure.Add(EtcdStore.Get(key));
        var result = await _core.Store.TxnAsync(txn, Context.CancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            var kvs = result.Responses[0].ResponseRange.Kvs;
            var holder = kvs.Count > 0 && RecordCodec.Process(kvs[0].Value) is { } r ? _core.PidOf(r) : Pid.None;
            return new object?[] { Protocol.Held, holder };
        }

        _names[Context.Monitor(pid)] = (name, result.Header.Revision);
        return Protocol.Ok;
    }

    private async Task<object?> UnregisterAsync(string name)
    {
        var entry = _names.FirstOrDefault(n => n.Value.Name == name);
        if (entry.Key is null)
        {
            return Error("not_registered: this node holds no such name");
        }

        _names.Remove(entry.Key);
        Context.Demonitor(entry.Key, flush: true);
        return await DeleteGuardedAsync(Keys.Name(name), entry.Value.Revision).ConfigureAwait(false) ? Protocol.Ok : Error("unavailable: etcd did not answer");
    }

    /// <summary>Deletes <paramref name="key"/> if it is still the copy created at <paramref name="revision"/>.</summary>
    private async Task<bool> DeleteGuardedAsync(string key, long revision)
    {
        var txn = new TxnRequest();
        txn.Compare.Add(EtcdStore.CreatedAt(key, revision));
        txn.Success.Add(EtcdStore.Delete(key));
        try
        {
            await _core.Store.TxnAsync(txn, Context.CancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException)
        {
            _core.Log.CleanupFailed(key, e is RpcException r ? $"{r.StatusCode}" : "timed out");
            return false;
        }
    }

    private static object?[] Error(string text) => [Protocol.Error, text];
}
