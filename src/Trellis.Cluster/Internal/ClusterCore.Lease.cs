using Etcdserverpb;
using Grpc.Core;

namespace Trellis.Cluster.Internal;

internal sealed partial class ClusterCore
{
    private long _lease;
    private long _fenceDeadline;
    private int _fenced;
    private int _relists;
    private ITimer? _fenceTimer;
    private string _fenceReason = "";
    private AsyncDuplexStreamingCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse>? _keepAlive;

    /// <summary>
    /// True while this node may act for the cluster: it is a member and its fence deadline has not passed. A child with
    /// effects outside the process checks it before each one (a fencing check at the point of action).
    /// </summary>
    public bool HoldsLease => Volatile.Read(ref _fenced) == 0 && Time.GetTimestamp() < Volatile.Read(ref _fenceDeadline);

    /// <summary>How long this node may still act without another acknowledged renewal; zero once fenced.</summary>
    public TimeSpan UntilFence
    {
        get
        {
            if (Volatile.Read(ref _fenced) != 0)
            {
                return TimeSpan.Zero;
            }

            var left = Time.GetElapsedTime(Time.GetTimestamp(), Volatile.Read(ref _fenceDeadline));
            return left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }
    }

    public bool IsFenced => Volatile.Read(ref _fenced) != 0;

    /// <summary>Grants a lease and writes this node's member key under it; the fence deadline counts from the grant's send.</summary>
    private async Task BecomeMemberAsync(CancellationToken cancellationToken)
    {
        var sent = Time.GetTimestamp();
        var grant = await Store.GrantAsync((long)Ttl.TotalSeconds, cancellationToken).ConfigureAwait(false);
        if (grant.ID == 0 || grant.TTL <= 0)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"etcd granted no lease: {grant.Error}"));
        }

        var record = new NodeRecord(Network.Address.ToString(), Creation, grant.ID, Options.Labels);
        await Store.PutAsync(Keys.Node(Name), RecordCodec.Encode(record), grant.ID, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _lease, grant.ID);
        Acked(sent, Math.Min(grant.TTL, (long)Ttl.TotalSeconds));
        Volatile.Write(ref _fenced, 0);
    }

    /// <summary>Renews every third of the time to live; fences when the store says the lease is gone, or when the deadline passes.</summary>
    private async Task LeaseLoopAsync(CancellationToken stop)
    {
        var interval = FenceRule.RenewInterval(Ttl);
        var failing = false;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(IsFenced ? Store.Timeout : interval, Time, stop).ConfigureAwait(false);
                if (IsFenced)
                {
                    await FinishFenceAndRejoinAsync(stop).ConfigureAwait(false);
                    continue;
                }

                await Store.RefreshTokenIfDueAsync(stop).ConfigureAwait(false);
                var sent = Time.GetTimestamp();
                var ttl = await RenewOnceAsync(stop).ConfigureAwait(false);
                if (ttl <= 0)
                {
                    Fence("etcd says its lease has ended");
                    continue;
                }

                if (!IsFenced)
                {
                    Acked(sent, Math.Min(ttl, (long)Ttl.TotalSeconds));
                }

                failing = false;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException or IOException or InvalidOperationException)
            {
                DropKeepAlive();
                if (!failing)
                {
                    Log.RenewFailed(Name, e is RpcException r ? $"{r.StatusCode} ({r.Status.Detail})" : e.GetType().Name);
                }

                failing = true;
            }
        }

        DropKeepAlive();
    }

    private async Task<long> RenewOnceAsync(CancellationToken stop)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(stop);
        bounded.CancelAfter(Store.Timeout);
        _keepAlive ??= Store.OpenKeepAlive(CancellationToken.None);
        using var registration = bounded.Token.Register(static s => ((ClusterCore)s!).DropKeepAlive(), this);
        await _keepAlive.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = Lease }, bounded.Token).ConfigureAwait(false);
        if (!await _keepAlive.ResponseStream.MoveNext(bounded.Token).ConfigureAwait(false))
        {
            throw new IOException("the keep-alive stream ended");
        }

        return _keepAlive.ResponseStream.Current.TTL;
    }

    private void DropKeepAlive()
    {
        var call = Interlocked.Exchange(ref _keepAlive, null);
        call?.Dispose();
    }

    /// <summary>A renewal sent at <paramref name="sentTimestamp"/> was acknowledged: the deadline moves, and the fence timer with it.</summary>
    private void Acked(long sentTimestamp, long ttlSeconds)
    {
        var deadline = FenceRule.Deadline(sentTimestamp, TimeSpan.FromSeconds(ttlSeconds), Margin, Time.TimestampFrequency);
        Volatile.Write(ref _fenceDeadline, deadline);
        var due = Time.GetElapsedTime(Time.GetTimestamp(), deadline);
        if (due < TimeSpan.Zero)
        {
            due = TimeSpan.Zero;
        }

        if (_fenceTimer is null)
        {
            _fenceTimer = Time.CreateTimer(static s => ((ClusterCore)s!).OnFenceTimer(), this, due, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _fenceTimer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnFenceTimer()
    {
        if (IsFenced)
        {
            return;
        }

        var left = Time.GetElapsedTime(Time.GetTimestamp(), Volatile.Read(ref _fenceDeadline));
        if (left > TimeSpan.Zero)
        {
            // Early (a timer's resolution), or a renewal moved the deadline meanwhile: wait for the rest.
            _fenceTimer?.Change(left, Timeout.InfiniteTimeSpan);
            return;
        }

        Fence($"no renewal was acknowledged within {Ttl - Margin} (time to live less the fence margin)");
    }

    /// <summary>
    /// Stops acting for the cluster at once: the flag first (so <see cref="HoldsLease"/> is false), then a shutdown signal
    /// to every hosted child, without waiting for anything. The lease loop then waits for them, kills the slow ones, and rejoins.
    /// </summary>
    public void Fence(string reason)
    {
        if (Interlocked.Exchange(ref _fenced, 1) != 0)
        {
            return;
        }

        _fenceReason = reason;
        var hosted = _hosted.Values.ToList();
        Log.Fencing(Name, reason, hosted.Count);
        foreach (var (pid, _) in hosted)
        {
            // From the agent, their parent: a GenServer that traps exits stops for its parent's signal only.
            Trellis.Internal.LocalProcess.SendExitSignal(AgentPid, pid, ExitReason.ShutdownWith(new Atom("fenced")));
        }

        List<Pid> monitors;
        lock (_gate)
        {
            monitors = [.. _memberMonitors];
        }

        Tell(monitors, new MembershipChanged(true, reason));
    }

    private async Task FinishFenceAndRejoinAsync(CancellationToken stop)
    {
        // The children had their shutdown signal when the node fenced; each gets its shutdown time, within the margin.
        var hosted = _hosted.Values.ToList();
        var bound = Margin / 2;
        await Task.WhenAll(hosted.Select(async h =>
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stop);
            wait.CancelAfter(h.Shutdown < bound ? h.Shutdown : bound);
            try
            {
                await Node.WaitForExitAsync(h.Pid, wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                Node.Exit(h.Pid, ExitReason.Kill);
            }
        })).ConfigureAwait(false);

        var old = Lease;
        try
        {
            await BecomeMemberAsync(stop).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException or IOException && !stop.IsCancellationRequested)
        {
            Log.RejoinFailed(Name, e is RpcException r ? $"{r.StatusCode} ({r.Status.Detail})" : e.GetType().Name);
            return;
        }

        try
        {
            // What ran here under the old lease is stopped: let the others see it now rather than at the old lease's expiry.
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(stop);
            bounded.CancelAfter(Store.Timeout);
            await Store.RevokeAsync(old, bounded.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException && !stop.IsCancellationRequested)
        {
        }

        Log.Rejoined(Name, Lease);
        List<Pid> monitors;
        lock (_gate)
        {
            monitors = [.. _memberMonitors];
        }

        Tell(monitors, new MembershipChanged(false, $"rejoined after fencing ({_fenceReason})"));
    }
}
