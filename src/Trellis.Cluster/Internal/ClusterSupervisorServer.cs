using System.Diagnostics;
using Etcdserverpb;
using Grpc.Core;
using Trellis.Internal;

namespace Trellis.Cluster.Internal;

/// <summary>
/// The owner loop of a cluster supervisor. It owns <c>sup/&lt;id&gt;/owner</c> under its node's lease (the key's create
/// revision is its epoch, carried by every start and stop), places each child with the placement, monitors it across
/// the network, and applies OTP's strategy and intensity when one exits. A child whose node died exits with
/// <c>noconnection</c>; its replacement starts elsewhere once the old copy's run key is gone, which happens when
/// the old node's lease ends (or its agent stopped it), so two copies never run at once. On a node named by
/// <see cref="ClusterSupervisorSpec.Standby"/> that finds the supervisor owned, it stands by instead (the other file).
/// </summary>
internal sealed partial class ClusterSupervisorServer : GenServer
{
    private readonly ClusterNode _node;
    private readonly ClusterSupervisorSpec _spec;
    private readonly List<ClusterSlot> _slots;
    private SlidingWindow? _restarts;
    private long _epoch;
    private bool _gaveUp;
    private ITimer? _retry;

    public ClusterSupervisorServer(ClusterNode node, ClusterSupervisorSpec spec)
    {
        _node = node;
        _spec = spec;
        _slots = [.. spec.Children.Select(c => new ClusterSlot(c))];
    }

    private ClusterCore Core => _node.Core;

    private string Id => _spec.Id;

    protected override async ValueTask<InitResult> InitAsync(object? argument)
    {
        Context.TrapExit = true;
        _restarts = new SlidingWindow(Core.Time, _spec.Flags.Period);

        // Subscribed before the campaign, so a standby cannot miss the owner key's deletion.
        Core.Subscribe(Core.Keys.Owner(Id), Self);
        Core.Subscribe(Core.Keys.RunsOf(Id), Self);
        Core.MonitorMembers(Self);
        var campaign = await CampaignAsync().ConfigureAwait(false);
        if (campaign.Error is { } error)
        {
            return InitResult.Stop(error);
        }

        if (campaign.Epoch == 0)
        {
            if (_spec.StandsBy(Core.Name))
            {
                return await StandByAsync(campaign.Owner).ConfigureAwait(false);
            }

            return InitResult.Stop(ExitReason.Of(Terms.TupleTerm(new Atom("already_started"), campaign.Owner?.Node ?? "unknown")));
        }

        BecomeOwner(campaign.Epoch);
        foreach (var slot in _slots)
        {
            var started = await StartSlotAsync(slot).ConfigureAwait(false);
            if (started is not null)
            {
                await StopAllAsync().ConfigureAwait(false);
                await ReleaseAsync().ConfigureAwait(false);
                return InitResult.Stop(ExitReason.ShutdownWith(Terms.TupleTerm(new Atom("failed_to_start_child"), slot.Spec.Id, started)));
            }
        }

        return InitResult.Ok();
    }

    /// <summary>
    /// One create-if-absent transaction on the owner key under this node's lease. Its revision is the epoch when won; when lost, the owner that holds it.
    /// </summary>
    private async Task<(long Epoch, OwnerRecord? Owner, ExitReason? Error)> CampaignAsync()
    {
        if (!Core.HoldsLease)
        {
            return (0, null, ExitReason.ShutdownWith(new Atom("fenced")));
        }

        var ownerKey = Core.Keys.Owner(Id);
        for (var attempt = 0; ; attempt++)
        {
            var campaign = new TxnRequest();
            campaign.Compare.Add(EtcdStore.Absent(ownerKey));
            campaign.Success.Add(EtcdStore.Put(ownerKey, RecordCodec.Encode(new OwnerRecord(Core.Name, Core.Creation, Self.Id)), Core.Lease));
            campaign.Failure.Add(EtcdStore.Get(ownerKey));
            TxnResponse won;
            try
            {
                won = await Core.Store.TxnAsync(campaign, Context.CancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e)
            {
                return (0, null, ExitReason.Of(Terms.TupleTerm(new Atom("unavailable"), e.StatusCode.ToString())));
            }

            if (won.Succeeded)
            {
                return (won.Header.Revision, null, null);
            }

            var kvs = won.Responses[0].ResponseRange.Kvs;
            if (kvs.Count == 0 && attempt < 3)
            {
                continue; // It went between the compare and the read: campaign again.
            }

            var owner = kvs.Count > 0 ? RecordCodec.Owner(kvs[0].Value) : null;
            if (owner?.Node == Core.Name && kvs[0].Lease != Core.Lease)
            {
                if (attempt < 3)
                {
                    // Gone by now or not (the old lease's revocation at rejoin races this), the campaign reads it again.
                    await DropStaleOwnerAsync(kvs[0]).ConfigureAwait(false);
                    continue;
                }

                return (0, null, ExitReason.Of(Terms.TupleTerm(new Atom("unavailable"), "stale_owner")));
            }

            return (0, owner, null);
        }
    }

    /// <summary>
    /// The owner key is this node's own, under a lease of an earlier incarnation (it fenced itself and rejoined while
    /// etcd kept the old lease alive): nothing of that incarnation acts any more, so its key is deleted (if unchanged)
    /// rather than waited out. A failure is not reported: the campaign reads the key again either way.
    /// </summary>
    private async Task DropStaleOwnerAsync(Mvccpb.KeyValue stale)
    {
        var txn = new TxnRequest();
        txn.Compare.Add(EtcdStore.CreatedAt(Core.Keys.Owner(Id), stale.CreateRevision));
        txn.Success.Add(EtcdStore.Delete(Core.Keys.Owner(Id)));
        try
        {
            using var bounded = new CancellationTokenSource(Core.Store.Timeout);
            await Core.Store.TxnAsync(txn, bounded.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException)
        {
            // The next read says whether it went.
        }
    }

    private void BecomeOwner(long epoch)
    {
        Debug.Assert(epoch > 0 && _epoch == 0, "a supervisor becomes the owner once");
        _epoch = epoch;
        Core.Export(Self);
        Core.Log.Owning(Id, Core.Name, _epoch);
    }

    protected override async ValueTask<ServerResult> HandleCallAsync(object request, From from)
    {
        if (_standing)
        {
            return Reply(await StandbyCallAsync(request).ConfigureAwait(false));
        }

        switch (request)
        {
            case Atom a when a == Protocol.Which:
                return Reply(_slots.Select(s => new ClusterChildInfo(s.Spec.Id, s.IsRunning || s.Waiting ? s.Host : null, s.Pid, s.Waiting, _epoch, s.Pending)).ToList());
            case object?[] { Length: 2 } r when r[0] is Atom op && r[1] is string id:
                var slot = _slots.Find(s => s.Spec.Id == id);
                if (slot is null)
                {
                    return Reply(ExitReason.Atom("not_found"));
                }

                switch (op.Name)
                {
                    case "terminate":
                        await StopSlotAsync(slot).ConfigureAwait(false);
                        return Reply(null);
                    case "restart" when slot.IsActive:
                        return Reply(ExitReason.Atom("running"));
                    case "restart":
                        return Reply(await StartSlotAsync(slot).ConfigureAwait(false));
                    case "delete" when slot.IsActive:
                        return Reply(ExitReason.Atom("running"));
                    case "delete":
                        _slots.Remove(slot);
                        return Reply(null);
                }

                break;
            case ClusterChildSpec spec:
                if (_slots.Exists(s => s.Spec.Id == spec.Id) || !Names.IsValid(spec.Id, out _))
                {
                    return Reply(ExitReason.Atom("already_present"));
                }

                var added = new ClusterSlot(spec);
                _slots.Add(added);
                var error = await StartSlotAsync(added).ConfigureAwait(false);
                if (error is not null)
                {
                    _slots.Remove(added);
                }

                return Reply(error);
        }

        return Reply(ExitReason.Atom("bad_request"));
    }

    protected override async ValueTask<ServerResult> HandleInfoAsync(object message)
    {
        switch (message)
        {
            case DownMessage down when _slots.Find(s => s.Monitor == down.Ref) is { } slot:
                return await OnChildExitAsync(slot, down.Reason).ConfigureAwait(false);
            case StoreEvent change when change.Key == Core.Keys.Owner(Id) && _standing:
                if (change.Deleted)
                {
                    return await TakeOverAsync().ConfigureAwait(false);
                }

                break;
            case StoreEvent change when change.Key == Core.Keys.Owner(Id):
                // A change older than this owner's campaign (a previous owner's key going, delivered late after a
                // rejoin) says nothing about this owner.
                if (change.ModRevision >= _epoch && (change.Deleted || change.CreateRevision != _epoch))
                {
                    Core.Log.SupervisorStops(Id, "its owner key is gone (this node's lease ended)");
                    return Stop(ExitReason.ShutdownWith(new Atom("lost_ownership")));
                }

                break;
            case StoreEvent { Deleted: true } change when Core.Keys.RunParts(change.Key) is { } parts:
                if (_slots.Find(s => s.Spec.Id == parts.Child) is not { } owned)
                {
                    break;
                }

                var record = RecordCodec.Run(change.Value);
                if (owned.Waiting)
                {
                    owned.Waiting = false;
                    if (await StartSlotAsync(owned).ConfigureAwait(false) is { } failed)
                    {
                        return await OnChildExitAsync(owned, failed as ExitReason ?? ExitReason.Of(failed)).ConfigureAwait(false);
                    }
                }
                else if (owned.IsRunning && record is not null && record.Node == owned.Host && (record.Id == owned.Pid.Id || record.Id == 0))
                {
                    // The copy's run key ended before any DOWN came: its node's lease ended.
                    return await OnChildExitAsync(owned, ExitReason.NoConnection).ConfigureAwait(false);
                }

                break;
            case MemberUp when !_standing:
                return await StartPendingAsync().ConfigureAwait(false);
            case Atom a when a == Protocol.RetryPending:
                if (_retry is not null)
                {
                    await _retry.DisposeAsync().ConfigureAwait(false);
                    _retry = null;
                }

                return await StartPendingAsync().ConfigureAwait(false);
            case MembershipChanged { Fenced: true } fenced:
                Core.Log.SupervisorStops(Id, fenced.Reason);
                return Stop(ExitReason.ShutdownWith(new Atom("fenced")));
        }

        return NoReply();
    }

    protected override async ValueTask TerminateAsync(ExitReason reason)
    {
        Core.Unsubscribe(Self);
        if (_retry is not null)
        {
            await _retry.DisposeAsync().ConfigureAwait(false);
        }

        if (_standing)
        {
            await LeaveStandbyAsync().ConfigureAwait(false);
            return;
        }

        if (_epoch == 0)
        {
            return;
        }

        if (_spec.Standby.Count > 0 && !_gaveUp)
        {
            // The children stay: a standby adopts them, or, when none lives, every host stops them itself when it
            // sees the owner key go. Either way they stop at most once and never under two owners.
            if (Core.Snapshot(Core.Keys.StandbysOf(Id)).Any(k => k.Key != Core.Keys.Standby(Id, Core.Name)))
            {
                Core.Log.HandingOver(Id);
            }
            else
            {
                await StopAllAsync().ConfigureAwait(false);
            }

            await ReleaseAsync().ConfigureAwait(false);
            return;
        }

        await StopAllAsync().ConfigureAwait(false);
        await ReleaseAsync().ConfigureAwait(false);
    }

    private async ValueTask<ServerResult> OnChildExitAsync(ClusterSlot slot, ExitReason reason)
    {
        Core.Log.ChildExited(Id, slot.Spec.Id, slot.Host ?? "?", Terms.Format(reason));
        if (slot.Monitor is { } monitor)
        {
            Context.Demonitor(monitor, flush: true);
        }

        var diedOn = slot.Host;
        slot.Monitor = null;
        slot.Pid = Pid.None;
        if (!RestartPolicy.ShouldRestart(slot.Spec.Restart, reason))
        {
            if (!RestartPolicy.KeepsSpec(slot.Spec.Restart))
            {
                _slots.Remove(slot);
            }

            return NoReply();
        }

        if (!RestartPolicy.IntensityAllows(_restarts!.Add(), _spec.Flags.Intensity))
        {
            Core.Log.IntensityReached(Id, _spec.Flags.Intensity, _spec.Flags.Period);
            _gaveUp = true;
            return Stop(ExitReason.Shutdown);
        }

        slot.Avoid = reason.Kind == ExitReasonKind.NoConnection ? diedOn : null;
        var group = RestartPolicy.Group(_spec.Flags.Strategy, _slots.IndexOf(slot), _slots.Count);
        var members = _slots.Take(group).ToList();
        for (var i = members.Count - 1; i >= 0; i--)
        {
            if (members[i] != slot)
            {
                await StopSlotAsync(members[i]).ConfigureAwait(false);
            }
        }

        foreach (var member in members)
        {
            if (await StartSlotAsync(member).ConfigureAwait(false) is { } failed)
            {
                Core.Log.ChildStartFailed(Id, member.Spec.Id, Terms.Format(failed));
                return await OnChildExitAsync(member, failed as ExitReason ?? ExitReason.Of(failed)).ConfigureAwait(false);
            }
        }

        // A node this child left may be what a waiting sibling needed.
        return await StartPendingAsync().ConfigureAwait(false);
    }

    /// <summary>Tries each child that waits for a node again, in start order (a member joined, or one freed up).</summary>
    private async ValueTask<ServerResult> StartPendingAsync()
    {
        foreach (var slot in _slots.Where(s => s.Pending).ToList())
        {
            if (await StartSlotAsync(slot).ConfigureAwait(false) is { } failed)
            {
                Core.Log.ChildStartFailed(Id, slot.Spec.Id, Terms.Format(failed));
                return await OnChildExitAsync(slot, failed as ExitReason ?? ExitReason.Of(failed)).ConfigureAwait(false);
            }
        }

        return NoReply();
    }

    /// <summary>Places and starts one child. Null when it runs (or waits for its old copy to go, or for a node); else the error.</summary>
    private async Task<object?> StartSlotAsync(ClusterSlot slot)
    {
        Debug.Assert(!slot.IsRunning && !slot.Waiting, "a started child is not started again");
        var wasPending = slot.Pending;
        slot.Pending = false;
        var excluded = new HashSet<string>(StringComparer.Ordinal);
        var lastError = (object?)ExitReason.Of(Terms.TupleTerm(new Atom("no_node"), $"no member runs kind '{slot.Spec.Kind}' with labels {Terms.Format(slot.Spec.Labels)}"));
        while (true)
        {
            if (!Core.HoldsLease)
            {
                return ExitReason.ShutdownWith(new Atom("fenced"));
            }

            var candidates = Core.Members.Where(m => !excluded.Contains(m.Name) && Placements.Satisfies(m, slot.Spec.Labels) && !HostsGroupOf(slot, m.Name)).ToList();
            var host = candidates.Count == 0 ? null
                : _spec.Placement.Choose(new PlacementRequest(slot.Spec.Id, candidates, Core.Name, slot.Avoid, Core.RunsOn, n => _slots.Count(s => s.IsRunning && s.Host == n)));
            if (host is null || !candidates.Exists(c => c.Name == host))
            {
                if (_spec.WaitForNode)
                {
                    slot.Pending = true;
                    if (!wasPending)
                    {
                        Core.Log.ChildWaitsForNode(Id, slot.Spec.Id, Terms.Format(lastError));
                    }

                    // A joining member is tried at once, but it may expose its kinds only after it joined: retry too.
                    var self = Self;
                    _retry ??= Core.Time.CreateTimer(_ => self.Send(Protocol.RetryPending), null, Core.Ttl, Timeout.InfiniteTimeSpan);
                    return null;
                }

                return lastError;
            }

            var reply = await AskAgentAsync(host, Protocol.StartRequest(Id, slot.Spec.Id, _epoch, slot.Spec.Kind, slot.Spec.Argument, (long)ShutdownOf(slot.Spec).TotalMilliseconds, slot.Spec.Name)).ConfigureAwait(false);
            switch (reply)
            {
                case object?[] { Length: 2 } ok when ok[0] is Atom a && a == Protocol.Ok && ok[1] is Pid pid:
                    slot.Host = host;
                    slot.Pid = pid;
                    slot.Waiting = false;
                    slot.Monitor = Context.Monitor(pid);
                    Core.Log.ChildStarted(Id, slot.Spec.Id, host, pid);
                    return null;
                case object?[] { Length: 2 } held when held[0] is Atom a && a == Protocol.Held:
                    // A copy is still recorded as running; the deletion of its run key starts this one.
                    slot.Host = held[1] as string;
                    slot.Waiting = true;
                    if (!Core.Snapshot(Core.Keys.Run(Id, slot.Spec.Id)).Any(k => k.Key == Core.Keys.Run(Id, slot.Spec.Id)))
                    {
                        // It went between the refusal and now (the watch has seen it): try again.
                        slot.Waiting = false;
                        continue;
                    }

                    return null;
                case object?[] { Length: 2 } error when error[0] is Atom a && a == Protocol.Error && error[1] is ExitReason crashed:
                    return crashed; // The child's own init failed: that is the start's result.
                default:
                    var why = ClusterNode.ErrorText(reply);
                    lastError = ExitReason.Of(Terms.TupleTerm(new Atom("start_refused"), host, why));
                    Core.Log.ChildStartFailed(Id, slot.Spec.Id, $"{host}: {why}");
                    if (why.StartsWith("stale_epoch", StringComparison.Ordinal))
                    {
                        return lastError;
                    }

                    excluded.Add(host);
                    break;
            }
        }
    }

    /// <summary>Whether another child of <paramref name="slot"/>'s anti-affinity group runs (or waits to run) on <paramref name="node"/>.</summary>
    private bool HostsGroupOf(ClusterSlot slot, string node) =>
        slot.Spec.AntiAffinity is { } group && _slots.Exists(o => o != slot && o.Spec.AntiAffinity == group && (o.IsRunning || o.Waiting) && o.Host == node);

    private TimeSpan ShutdownOf(ClusterChildSpec child) => child.Shutdown ?? Core.Margin / 2;

    private async Task StopSlotAsync(ClusterSlot slot)
    {
        if (slot.Monitor is { } monitor)
        {
            Context.Demonitor(monitor, flush: true);
        }

        if (slot.Host is { } host && (slot.IsRunning || slot.Waiting))
        {
            await AskAgentAsync(host, Protocol.StopRequest(Id, slot.Spec.Id, _epoch), ShutdownOf(slot.Spec)).ConfigureAwait(false);
        }

        slot.Monitor = null;
        slot.Pid = Pid.None;
        slot.Waiting = false;
        slot.Pending = false;
    }

    private async Task StopAllAsync()
    {
        for (var i = _slots.Count - 1; i >= 0; i--)
        {
            await StopSlotAsync(_slots[i]).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes the owner key if it is still this epoch's: the agents stop whatever of ours they still host.</summary>
    private async Task ReleaseAsync()
    {
        var txn = new TxnRequest();
        txn.Compare.Add(EtcdStore.CreatedAt(Core.Keys.Owner(Id), _epoch));
        txn.Success.Add(EtcdStore.Delete(Core.Keys.Owner(Id)));
        try
        {
            using var bounded = new CancellationTokenSource(Core.Store.Timeout);
            await Core.Store.TxnAsync(txn, bounded.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException)
        {
            Core.Log.CleanupFailed(Core.Keys.Owner(Id), e is RpcException r ? r.StatusCode.ToString() : "timed out");
        }
    }

    private async Task<object?> AskAgentAsync(string host, object?[] request, TimeSpan extra = default)
    {
        var agent = host == Core.Name ? _node.Agent : default;
        try
        {
            var timeout = Core.Store.Timeout * 4 + extra;
            return agent.IsNone
                ? await GenServer.CallAsync(ServerRef.Named(_node.Node, Protocol.AgentName, host), request, timeout).ConfigureAwait(false)
                : await GenServer.CallAsync(agent, request, timeout).ConfigureAwait(false);
        }
        catch (ExitException e)
        {
            return new object?[] { Protocol.Error, $"the agent on {host} did not answer: {Terms.Format(e.Reason)}" };
        }
        catch (CallException e)
        {
            return new object?[] { Protocol.Error, $"the agent on {host} did not answer: {e.Message}" };
        }
    }
}
