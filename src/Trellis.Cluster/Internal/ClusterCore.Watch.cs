using System.Diagnostics;
using Etcdserverpb;
using Grpc.Core;
using Mvccpb;
using Trellis.Distribution;

namespace Trellis.Cluster.Internal;

internal sealed partial class ClusterCore
{
    private TaskCompletionSource? _watchPaused;

    /// <summary>
    /// One watch on all of the cluster's keys, from the revision after the last one seen. A stream that breaks resumes
    /// from there; a revision compacted away is re-listed and the difference told as changes, so no death is missed.
    /// </summary>
    private async Task WatchLoopAsync(long next, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            if (_watchPaused is { } paused)
            {
                await paused.Task.WaitAsync(stop).ConfigureAwait(false);
            }

            try
            {
                next = await WatchOnceAsync(next, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is RpcException or IOException or OperationCanceledException or InvalidOperationException)
            {
                Log.WatchInterrupted(e is RpcException r ? $"{r.StatusCode} ({r.Status.Detail})" : e.GetType().Name, next);
                await Task.Delay(Store.Timeout, Time, stop).ConfigureAwait(false);
            }
        }
    }

    private async Task<long> WatchOnceAsync(long next, CancellationToken stop)
    {
        using var pause = CancellationTokenSource.CreateLinkedTokenSource(stop);
        _watchCancel = pause;
        using var call = Store.OpenWatch(pause.Token);
        var create = new WatchCreateRequest
        {
            Key = EtcdStore.Bytes(Keys.Root),
            RangeEnd = EtcdStore.Bytes(EtcdStore.PrefixEnd(Keys.Root)),
            StartRevision = next,
            PrevKv = true,
            ProgressNotify = true,
        };
        await call.RequestStream.WriteAsync(new WatchRequest { CreateRequest = create }, pause.Token).ConfigureAwait(false);
        try
        {
            while (await call.ResponseStream.MoveNext(pause.Token).ConfigureAwait(false))
            {
                var response = call.ResponseStream.Current;
                if (response.CompactRevision > 0)
                {
                    return await RelistAsync(response.CompactRevision, stop).ConfigureAwait(false);
                }

                if (response.Canceled)
                {
                    throw new IOException($"etcd cancelled the watch: {response.CancelReason}");
                }

                if (response.Events.Count == 0)
                {
                    next = Math.Max(next, response.Header.Revision + 1);
                    continue;
                }

                var told = new List<(Pid, object)>();
                lock (_gate)
                {
                    foreach (var e in response.Events)
                    {
                        var deleted = e.Type == Event.Types.EventType.Delete;
                        var kv = deleted && e.PrevKv is not null ? e.PrevKv : e.Kv;
                        ApplyLocked(new StoreEvent(deleted, e.Kv.Key.ToStringUtf8(), kv.Value, kv.CreateRevision, e.Kv.ModRevision), told);
                        next = Math.Max(next, e.Kv.ModRevision + 1);
                    }
                }

                foreach (var (pid, message) in told)
                {
                    pid.Send(message);
                }
            }
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            // Paused by a test: resume from the next revision.
        }

        return next;
    }

    private CancellationTokenSource? _watchCancel;

    /// <summary>For tests: stops the watch until <see cref="ResumeWatch"/>, as a long disconnection would.</summary>
    internal void PauseWatch()
    {
        _watchPaused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _watchCancel?.Cancel();
    }

    internal void ResumeWatch() => Interlocked.Exchange(ref _watchPaused, null)?.TrySetResult();

    /// <summary>After a compaction: the keys as they are now, told as the changes since what was known here.</summary>
    private async Task<long> RelistAsync(long compacted, CancellationToken stop)
    {
        var all = await Store.RangeAsync(Keys.Root, stop).ConfigureAwait(false);
        var told = new List<(Pid, object)>();
        int changes;
        lock (_gate)
        {
            var now = all.Kvs.ToDictionary(kv => kv.Key.ToStringUtf8(), StringComparer.Ordinal);
            var before = told.Count;
            foreach (var gone in _keys.Where(k => !now.ContainsKey(k.Key)).Select(k => (k.Key, k.Value)).OrderBy(k => k.Key, StringComparer.Ordinal).ToList())
            {
                ApplyLocked(new StoreEvent(true, gone.Key, gone.Value.Value, gone.Value.CreateRevision, all.Header.Revision), told);
            }

            foreach (var (key, kv) in now.OrderBy(k => k.Key, StringComparer.Ordinal))
            {
                if (!_keys.TryGetValue(key, out var known) || known.ModRevision != kv.ModRevision || known.CreateRevision != kv.CreateRevision)
                {
                    if (known is not null && known.CreateRevision != kv.CreateRevision)
                    {
                        // Deleted and created again while unseen: the old copy's end comes first.
                        ApplyLocked(new StoreEvent(true, key, known.Value, known.CreateRevision, kv.CreateRevision), told);
                    }

                    ApplyLocked(new StoreEvent(false, key, kv.Value, kv.CreateRevision, kv.ModRevision), told);
                }
            }

            changes = _keys.Count == 0 && now.Count == 0 ? 0 : told.Count - before;
        }

        Interlocked.Increment(ref _relists);
        Log.Relisted(compacted, all.Header.Revision, changes);
        foreach (var (pid, message) in told)
        {
            pid.Send(message);
        }

        return all.Header.Revision + 1;
    }

    /// <summary>Applies one change to what is known here, and collects what to tell whom (sent outside the lock).</summary>
    private void ApplyLocked(StoreEvent change, List<(Pid, object)>? dispatch)
    {
        AssertLocked();
        var key = change.Key;
        _keys.TryGetValue(key, out var known);
        if (change.Deleted)
        {
            if (known is null)
            {
                return;
            }

            _keys.Remove(key);
        }
        else
        {
            _keys[key] = new KeyState(change.Value, change.CreateRevision, change.ModRevision);
        }

        if (key.StartsWith(Keys.Nodes, StringComparison.Ordinal))
        {
            ForgetResolvedNamesLocked();
            ApplyMemberLocked(key[Keys.Nodes.Length..], change, dispatch);
        }
        else if (key.StartsWith(Keys.NamesPrefix, StringComparison.Ordinal))
        {
            ForgetResolvedNamesLocked();
            var name = key[Keys.NamesPrefix.Length..];
            if (change.Deleted)
            {
                _names.Remove(name);
            }
            else if (RecordCodec.Process(change.Value) is { } record)
            {
                _names[name] = (record, change.CreateRevision);
            }
            else
            {
                Log.BadRecord(key);
            }
        }
        else if (Keys.RunParts(key) is not null)
        {
            var host = RecordCodec.Run(change.Deleted ? known!.Value : change.Value)?.Node;
            if (host is not null && (change.Deleted || known is null))
            {
                _runsPerNode[host] = Math.Max(0, _runsPerNode.GetValueOrDefault(host) + (change.Deleted ? -1 : 1));
            }
        }

        if (dispatch is null)
        {
            return;
        }

        foreach (var (prefix, pid) in _subscribers)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                dispatch.Add((pid, change));
            }
        }
    }

    private void ApplyMemberLocked(string node, StoreEvent change, List<(Pid, object)>? dispatch)
    {
        var old = _members.GetValueOrDefault(node);
        ClusterMember? now = null;
        if (!change.Deleted)
        {
            if (RecordCodec.Node(change.Value) is not { } record || !NodeAddress.TryParse(record.Address, out var address, out _))
            {
                Log.BadRecord(Keys.Node(node));
                return;
            }

            now = new ClusterMember(node, record.Address, record.Lease, record.Labels);
            if (!string.Equals(node, Name, StringComparison.Ordinal))
            {
                Network.AddPeer(address);
            }
        }

        if (old is not null && (now is null || old.Incarnation != now.Incarnation))
        {
            _members.Remove(node);
            Log.MemberDown(node, old.Incarnation);
            foreach (var pid in _memberMonitors)
            {
                dispatch?.Add((pid, new MemberDown(old)));
            }
        }

        if (now is not null && (old is null || old.Incarnation != now.Incarnation))
        {
            _members[node] = now;
            Log.MemberUp(node, now.Incarnation);
            foreach (var pid in _memberMonitors)
            {
                dispatch?.Add((pid, new MemberUp(now)));
            }
        }
        else if (now is not null)
        {
            _members[node] = now;
        }

        Debug.Assert(!change.Deleted || !_members.ContainsKey(node), "a deleted member is gone");
    }
}
