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
/// the old node's lease ends (or its agent stopped it), so two copies never run at once.
/// </summary>
internal sealed class ClusterSupervisorServer : GenServer
{
    private readonly ClusterNode _node;
    private readonly ClusterSupervisorSpec _spec;
    private readonly List<ClusterSlot> _slots;
    private SlidingWindow? _restarts;
    private long _epoch;

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
        var ownerKey = Core.Keys.Owner(Id);
        var campaign = new TxnRequest();
        campaign.Compare.Add(EtcdStore.Absent(ownerKey));
        campaign.Success.Add(EtcdStore.Put(ownerKey, RecordCodec.Encode(new OwnerRecord(Core.Name, Core.Creation, Self.Id)), Core.Lease));
        campaign.Failure.Add(EtcdStore.Get(ownerKey));
        if (!Core.HoldsLease)
        {
            return InitResult.Stop(ExitReason.ShutdownWith(new Atom("fenced")));
        }

        TxnResponse won;
        try
        {
            won = await Core.Store.TxnAsync(campaign, Context.CancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            return InitResult.Stop(ExitReason.Of(Terms.TupleTerm(new Atom("unavailable"), e.StatusCode.ToString())));
        }

        if (!won.Succeeded)
        {
            var kvs = won.Responses[0].ResponseRange.Kvs;
            var owner = kvs.Count > 0 ? RecordCodec.Owner(kvs[0].Value) : null;
            return InitResult.Stop(ExitReason.Of(Terms.TupleTerm(new Atom("already_started"), owner?.Node ?? "unknown")));
        }

        _epoch = won.Header.Revision;
        Core.Export(Self);
        Core.Subscribe(Core.Keys.RunsOf(Id), Self);
        Core.Subscribe(ownerKey, Self);
        Core.MonitorMembers(Self);
        Core.Log.Owning(Id, Core.Name, _epoch);
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

    protected override async ValueTask<ServerResult> HandleCallAsync(object request, From from)
    {
        switch (request)
        {
            case Atom a when a == Protocol.Which:
                return Reply(_slots.Select(s => new ClusterChildInfo(s.Spec.Id, s.IsRunning || s.Waiting ? s.Host : null, s.Pid, s.Waiting, _epoch)).ToList());
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
                    case "restart" when slot.IsRunning || slot.Waiting:
                        return Reply(ExitReason.Atom("running"));
                    case "restart":
                        return Reply(await StartSlotAsync(slot).ConfigureAwait(false));
                    case "delete" when slot.IsRunning || slot.Waiting:
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
            case StoreEvent change when change.Key == Core.Keys.Owner(Id):
                if (change.Deleted || change.CreateRevision != _epoch)
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
            case MembershipChanged { Fenced: true } fenced:
                Core.Log.SupervisorStops(Id, fenced.Reason);
                return Stop(ExitReason.ShutdownWith(new Atom("fenced")));
        }

        return NoReply();
    }

    protected override async ValueTask TerminateAsync(ExitReason reason)
    {
        Core.Unsubscribe(Self);
        if (_epoch == 0)
        {
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

        return NoReply();
    }

    /// <summary>Places and starts one child. Null when it runs (or waits for its old copy to go); else the error.</summary>
    private async Task<object?> StartSlotAsync(ClusterSlot slot)
    {
        Debug.Assert(!slot.IsRunning, "a running child is not started again");
        var excluded = new HashSet<string>(StringComparer.Ordinal);
        var lastError = (object?)ExitReason.Of(Terms.TupleTerm(new Atom("no_node"), $"no member runs kind '{slot.Spec.Kind}' with labels {Terms.Format(slot.Spec.Labels)}"));
        while (true)
        {
            if (!Core.HoldsLease)
            {
                return ExitReason.ShutdownWith(new Atom("fenced"));
            }

            var candidates = Core.Members.Where(m => !excluded.Contains(m.Name) && Placements.Satisfies(m, slot.Spec.Labels)).ToList();
            if (candidates.Count == 0)
            {
                return lastError;
            }

            var request = new PlacementRequest(slot.Spec.Id, candidates, Core.Name, slot.Avoid, Core.RunsOn, n => _slots.Count(s => s.IsRunning && s.Host == n));
            var host = _spec.Placement.Choose(request);
            if (host is null || !candidates.Exists(c => c.Name == host))
            {
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
