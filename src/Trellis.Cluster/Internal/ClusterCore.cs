using System.Collections.Concurrent;
using System.Diagnostics;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Trellis.Distribution;
using Trellis.Distribution.Internal;

namespace Trellis.Cluster.Internal;

/// <summary>
/// One node's membership: its lease (renewed on its own timer, with the fence deadline on another), the one watch on the
/// cluster's keys that keeps the members, names and running copies known here, and the subscribers it tells.
/// </summary>
internal sealed partial class ClusterCore : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, KeyState> _keys = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, ClusterMember> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (ProcessRecord Record, long CreateRevision)> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _runsPerNode = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Pid> _namePids = new(StringComparer.Ordinal);
    private long _nameGeneration;
    private readonly List<(string Prefix, Pid Pid)> _subscribers = [];
    private readonly List<Pid> _memberMonitors = [];
    private readonly ConcurrentDictionary<long, (Pid Pid, TimeSpan Shutdown)> _hosted = new();
    private Task _leaseLoop = Task.CompletedTask;
    private Task _watchLoop = Task.CompletedTask;

    public ClusterCore(NodeNetwork network, ClusterOptions options, EtcdStore store)
    {
        Network = network;
        Options = options;
        Store = store;
        Keys = new Keys(options.Cluster);
        Time = options.TimeProvider ?? network.Node.TimeProvider;
        Log = network.Node.LoggerFactory.CreateLogger("Trellis.Cluster");
        Margin = options.EffectiveMargin;
        Ttl = options.LeaseTtl;
    }

    public NodeNetwork Network { get; }

    public Router Router => Network.Router;

    public ClusterOptions Options { get; }

    public EtcdStore Store { get; }

    public Keys Keys { get; }

    public TimeProvider Time { get; }

    public ILogger Log { get; }

    public TimeSpan Ttl { get; }

    public TimeSpan Margin { get; }

    public string Name => Network.Node.Name;

    /// <summary>The agent, parent of every cluster child hosted here.</summary>
    public Pid AgentPid { get; set; }

    /// <summary>The start this node's pids belong to.</summary>
    public uint Creation => Network.Creation;

    /// <summary>The lease all of this node's keys are attached to now.</summary>
    public long Lease => Volatile.Read(ref _lease);

    /// <summary>How many times the watch re-listed after a compaction (for tests and the log).</summary>
    public int Relists => Volatile.Read(ref _relists);

    public IReadOnlyList<ClusterMember> Members
    {
        get
        {
            lock (_gate)
            {
                return [.. _members.Values];
            }
        }
    }

    public int RunsOn(string node)
    {
        lock (_gate)
        {
            return _runsPerNode.GetValueOrDefault(node);
        }
    }

    public ClusterMember? Member(string node)
    {
        lock (_gate)
        {
            return _members.GetValueOrDefault(node);
        }
    }

    /// <summary>
    /// Whether etcd refused the node itself (a wrong user or password, no credentials, no permission), not a request
    /// it was too busy for. A token refused again after the interceptor's one fresh authentication counts too.
    /// </summary>
    private static bool IsRefusal(RpcException e) =>
        e.StatusCode == StatusCode.PermissionDenied
        || EtcdToken.IsAuthError(e)
        || e.Status.Detail.Contains("authentication failed", StringComparison.Ordinal);

    /// <summary>
    /// Joins: a lease, the member key under it, the current state of the cluster's keys, and the watch from there. Each
    /// request is bounded by the request timeout; a failed attempt is tried again until the lease's time to live has
    /// passed (the first connection to etcd can take longer than one request under load), then the join fails. A
    /// refusal (a wrong password, say) fails it at once.
    /// </summary>
    public async Task JoinAsync(CancellationToken cancellationToken)
    {
        var started = Time.GetTimestamp();
        long revision;
        while (true)
        {
            try
            {
                revision = await JoinOnceAsync(cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (RpcException e) when (IsRefusal(e))
            {
                // Trying again until the TTL would only hide it behind a timeout.
                throw new ClusterUnavailableException($"etcd at {Options.Endpoints} refused the join: {e.Status.StatusCode} ({e.Status.Detail})", e);
            }
            catch (Exception e) when ((e is RpcException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested)) && Time.GetElapsedTime(started) < Ttl)
            {
                Log.RejoinFailed(Name, e is RpcException r ? $"{r.StatusCode} ({r.Status.Detail})" : "timed out");
                await Task.Delay(Store.Timeout / 4, Time, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e)
            {
                throw new ClusterUnavailableException($"etcd at {Options.Endpoints} did not answer within {Ttl}: {e.Status.StatusCode} ({e.Status.Detail})", e);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new ClusterUnavailableException($"etcd at {Options.Endpoints} did not answer within {Ttl} (each request {Store.Timeout})", e);
            }
        }

        Log.Joined(Name, Options.Cluster, Lease, Ttl, Margin);
        _leaseLoop = Task.Run(() => ReportedAsync(() => LeaseLoopAsync(_stop.Token)), CancellationToken.None);
        _watchLoop = Task.Run(() => ReportedAsync(() => WatchLoopAsync(revision + 1, _stop.Token)), CancellationToken.None);
    }

    /// <summary>
    /// Runs one of the node's loops: a failure nobody expected is logged, and the node fences itself, since without its
    /// lease loop or its watch it can no longer tell whether it may act.
    /// </summary>
    private async Task ReportedAsync(Func<Task> loop)
    {
        try
        {
            await loop().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // The loop's failure is reported here and fences the node; rethrowing would only surface at dispose.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Log.TaskFailed(e);
            Fence($"a cluster loop failed: {e.GetType().Name}");
        }
    }

    private async Task<long> JoinOnceAsync(CancellationToken cancellationToken)
    {
        await Store.AuthenticateAsync(cancellationToken).ConfigureAwait(false);
        await BecomeMemberAsync(cancellationToken).ConfigureAwait(false);
        var all = await Store.RangeAsync(Keys.Root, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            foreach (var kv in all.Kvs)
            {
                ApplyLocked(new StoreEvent(false, kv.Key.ToStringUtf8(), kv.Value, kv.CreateRevision, kv.ModRevision), dispatch: null);
            }
        }

        return all.Header.Revision;
    }

    /// <summary>Tells <paramref name="pid"/> of every change under <paramref name="prefix"/> from now on.</summary>
    public void Subscribe(string prefix, Pid pid)
    {
        lock (_gate)
        {
            _subscribers.Add((prefix, pid));
        }
    }

    public void Unsubscribe(Pid pid)
    {
        lock (_gate)
        {
            _subscribers.RemoveAll(s => s.Pid == pid);
            _memberMonitors.Remove(pid);
        }
    }

    public void MonitorMembers(Pid pid)
    {
        lock (_gate)
        {
            if (!_memberMonitors.Contains(pid))
            {
                _memberMonitors.Add(pid);
            }
        }
    }

    /// <summary>The keys under <paramref name="prefix"/> known here, in key order.</summary>
    public IReadOnlyList<StoreEvent> Snapshot(string prefix)
    {
        lock (_gate)
        {
            return [.. _keys.Where(k => k.Key.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(k => k.Key, StringComparer.Ordinal)
                .Select(k => new StoreEvent(false, k.Key, k.Value.Value, k.Value.CreateRevision, k.Value.ModRevision))];
        }
    }

    /// <summary>Notes a cluster child hosted here, so that fencing stops it even while the agent is busy.</summary>
    public void AddHosted(Pid pid, TimeSpan shutdown) => _hosted[pid.Id] = (pid, shutdown);

    public void RemoveHosted(Pid pid) => _hosted.TryRemove(pid.Id, out _);

    public int HostedCount => _hosted.Count;

    /// <summary>The pid a name refers to, from what the watch has seen (it may lag the store by the watch's delay).</summary>
    public Pid CachedName(string name)
    {
        ProcessRecord record;
        long generation;
        lock (_gate)
        {
            if (_namePids.TryGetValue(name, out var cached))
            {
                return cached;
            }

            if (!_names.TryGetValue(name, out var entry))
            {
                return Pid.None;
            }

            (record, generation) = (entry.Record, _nameGeneration);
        }

        // Resolved once per name and membership: the lookup after is one dictionary read under the lock.
        var pid = PidOf(record);
        lock (_gate)
        {
            if (generation == _nameGeneration && !pid.IsNone)
            {
                _namePids[name] = pid;
            }
        }

        return pid;
    }

    /// <summary>A name or a member changed: the resolved pids may be stale.</summary>
    private void ForgetResolvedNamesLocked()
    {
        AssertLocked();
        _nameGeneration++;
        _namePids.Clear();
    }

    public IReadOnlyList<string> CachedNames()
    {
        lock (_gate)
        {
            return [.. _names.Keys.Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>A pid for a process record: a live member's, or none.</summary>
    public Pid PidOf(ProcessRecord record) => PidOf(record.Node, record.Creation, record.Id);

    public Pid PidOf(string node, uint creation, long id)
    {
        if (string.Equals(node, Name, StringComparison.Ordinal))
        {
            return Router.ResolvePid(node, 0, creation, id);
        }

        ClusterMember? member;
        lock (_gate)
        {
            member = _members.GetValueOrDefault(node);
        }

        if (member is null)
        {
            return Pid.None;
        }

        return Router.ResolvePid(node, NodeAddress.Parse(member.Address).Port, creation, id);
    }

    /// <summary>Makes <paramref name="pid"/> (a process of this node) reachable by number from other nodes.</summary>
    public void Export(Pid pid)
    {
        if (pid.Process is { } process)
        {
            Router.Export(process);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_leaseLoop, _watchLoop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _fenceTimer?.Dispose();
        try
        {
            // Leaving on purpose: the lease goes now, not at its expiry, so the others move what ran here at once.
            using var bounded = new CancellationTokenSource(Store.Timeout);
            await Store.RevokeAsync(Lease, bounded.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException)
        {
            Log.RenewFailed(Name, "the lease could not be revoked on leaving; it expires by itself");
        }

        Log.Left(Name);
        _stop.Dispose();
    }

    private sealed record KeyState(ByteString Value, long CreateRevision, long ModRevision);

    private static void Tell(IEnumerable<Pid> pids, object message)
    {
        foreach (var pid in pids)
        {
            pid.Send(message);
        }
    }

    private static ByteString Empty => ByteString.Empty;

    [Conditional("DEBUG")]
    private void AssertLocked() => Debug.Assert(_gate.IsHeldByCurrentThread, "the state is changed under its lock");
}
