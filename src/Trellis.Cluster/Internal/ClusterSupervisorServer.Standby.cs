using Etcdserverpb;
using Grpc.Core;
using Trellis.Internal;

namespace Trellis.Cluster.Internal;

/// <summary>
/// Standing by: a node named in <see cref="ClusterSupervisorSpec.Standby"/> whose start found the supervisor owned
/// records <c>sup/&lt;id&gt;/standby/&lt;node&gt;</c> under its lease (so the hosts wait one TTL for an adoption instead of
/// stopping the children at once), answers <c>which</c> from the run keys it watches, forwards the other calls to the
/// owner, and campaigns when the owner key goes. Winning gives it a higher epoch; it then adopts every child of its
/// spec that still runs (the host moves the run key to the new epoch in one transaction) and starts the others.
/// </summary>
internal sealed partial class ClusterSupervisorServer
{
    private bool _standing;

    private async ValueTask<InitResult> StandByAsync(OwnerRecord? owner)
    {
        try
        {
            using var bounded = new CancellationTokenSource(Core.Store.Timeout);
            await Core.Store.PutAsync(Core.Keys.Standby(Id, Core.Name), RecordCodec.Encode(new ProcessRecord(Core.Name, Core.Creation, Self.Id)), Core.Lease, bounded.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException)
        {
            return InitResult.Stop(ExitReason.Of(Terms.TupleTerm(new Atom("unavailable"), e is RpcException r ? r.StatusCode.ToString() : "timed out")));
        }

        _standing = true;
        Core.Log.StandingBy(Id, Core.Name, owner?.Node ?? "unknown");

        // The owner may have gone between the campaign and the standby key: its deletion's event is in the mailbox
        // (the subscription came first), and the campaign it causes finds the key absent.
        return InitResult.Ok();
    }

    /// <summary>The owner key went: campaign; on winning, adopt what runs and start the rest.</summary>
    private async ValueTask<ServerResult> TakeOverAsync()
    {
        var campaign = await CampaignAsync().ConfigureAwait(false);
        if (campaign.Error is { } error)
        {
            Core.Log.SupervisorStops(Id, $"its campaign failed: {Terms.Format(error)}");
            return Stop(error);
        }

        if (campaign.Epoch == 0)
        {
            // Another standby won; this one keeps standing by for it.
            return NoReply();
        }

        _standing = false;
        BecomeOwner(campaign.Epoch);
        Dictionary<string, RunRecord> runs;
        try
        {
            using var bounded = new CancellationTokenSource(Core.Store.Timeout);
            var listed = await Core.Store.RangeAsync(Core.Keys.RunsOf(Id), bounded.Token).ConfigureAwait(false);
            runs = new(StringComparer.Ordinal);
            foreach (var kv in listed.Kvs)
            {
                if (Core.Keys.RunParts(kv.Key.ToStringUtf8()) is { } parts && RecordCodec.Run(kv.Value) is { } record)
                {
                    runs[parts.Child] = record;
                }
            }
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException)
        {
            // Without the list it cannot adopt; the hosts stop the old children when the grace ends, and the parent
            // (or an operator) starts the supervisor again.
            Core.Log.SupervisorStops(Id, $"the running children could not be listed: {(e is RpcException r ? r.StatusCode.ToString() : "timed out")}");
            await LeaveStandbyAsync().ConfigureAwait(false);
            return Stop(ExitReason.Of(new Atom("unavailable")));
        }

        // Every copy that still runs is adopted first, so the starts after see where each group already runs.
        var adopted = 0;
        var fresh = new List<ClusterSlot>();
        foreach (var slot in _slots)
        {
            if (runs.TryGetValue(slot.Spec.Id, out var record) && await AdoptAsync(slot, record).ConfigureAwait(false))
            {
                adopted++;
            }
            else
            {
                fresh.Add(slot);
            }
        }

        foreach (var slot in fresh)
        {
            if (!_slots.Contains(slot) || slot.IsActive)
            {
                continue; // A restart of an earlier child's group already dealt with it.
            }

            if (await StartSlotAsync(slot).ConfigureAwait(false) is { } failed)
            {
                Core.Log.ChildStartFailed(Id, slot.Spec.Id, Terms.Format(failed));
                var result = await OnChildExitAsync(slot, failed as ExitReason ?? ExitReason.Of(failed)).ConfigureAwait(false);
                if (result.StopReason is not null)
                {
                    await LeaveStandbyAsync().ConfigureAwait(false);
                    return result;
                }
            }
        }

        var started = fresh.Count;
        // Only now: while the key stood, the hosts kept the old children for this adoption.
        await LeaveStandbyAsync().ConfigureAwait(false);
        Core.Log.TookOver(Id, Core.Name, _epoch, adopted, started);
        return NoReply();
    }

    /// <summary>
    /// Asks the host of a running copy to keep it under this epoch. False when it cannot: the copy is gone (it is
    /// started afresh), or its host did not agree (the start then waits for the old run key to go, as after a node's death).
    /// </summary>
    private async Task<bool> AdoptAsync(ClusterSlot slot, RunRecord record)
    {
        var reply = await AskAgentAsync(record.Node, Protocol.AdoptRequest(Id, slot.Spec.Id, _epoch)).ConfigureAwait(false);
        if (reply is object?[] { Length: 2 } ok && ok[0] is Atom a && a == Protocol.Ok && ok[1] is Pid pid)
        {
            slot.Host = record.Node;
            slot.Pid = pid;
            slot.Monitor = Context.Monitor(pid);
            Core.Log.ChildStarted(Id, slot.Spec.Id, record.Node, pid);
            return true;
        }

        Core.Log.ChildStartFailed(Id, slot.Spec.Id, $"{record.Node} did not hand it over: {ClusterNode.ErrorText(reply)}");
        return false;
    }

    /// <summary>A call to a standby: <c>which</c> from the run keys; a child operation forwarded to the owner.</summary>
    private async Task<object?> StandbyCallAsync(object request)
    {
        if (request is Atom a && a == Protocol.Which)
        {
            var runs = new Dictionary<string, RunRecord>(StringComparer.Ordinal);
            foreach (var kv in Core.Snapshot(Core.Keys.RunsOf(Id)))
            {
                if (Core.Keys.RunParts(kv.Key) is { } parts && RecordCodec.Run(kv.Value) is { } record)
                {
                    runs[parts.Child] = record;
                }
            }

            return _slots.Select(s => runs.TryGetValue(s.Spec.Id, out var r)
                ? new ClusterChildInfo(s.Spec.Id, r.Node, Core.PidOf(r.Node, r.Creation, r.Id), false, r.Epoch)
                : new ClusterChildInfo(s.Spec.Id, null, Pid.None, false, 0)).ToList();
        }

        var owner = Core.Snapshot(Core.Keys.Owner(Id)).Select(k => RecordCodec.Owner(k.Value)).FirstOrDefault(o => o is not null);
        var standby = ExitReason.Of(Terms.TupleTerm(new Atom("standby"), owner?.Node ?? "unknown"));
        if (request is not object?[] { Length: 2 } op || op[0] is not Atom || op[1] is not string || owner is null)
        {
            return standby; // A new child's spec is not a term that crosses nodes: add it on the owner.
        }

        var ownerPid = Core.PidOf(owner.Node, owner.Creation, owner.Id);
        try
        {
            return ownerPid.IsNone ? standby : await GenServer.CallAsync(ownerPid, request, Core.Store.Timeout * 4).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ExitException or CallException)
        {
            return standby;
        }
    }

    private async Task LeaveStandbyAsync()
    {
        try
        {
            using var bounded = new CancellationTokenSource(Core.Store.Timeout);
            var txn = new TxnRequest();
            txn.Success.Add(EtcdStore.Delete(Core.Keys.Standby(Id, Core.Name)));
            await Core.Store.TxnAsync(txn, bounded.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException)
        {
            Core.Log.CleanupFailed(Core.Keys.Standby(Id, Core.Name), e is RpcException r ? r.StatusCode.ToString() : "timed out");
        }
    }
}
