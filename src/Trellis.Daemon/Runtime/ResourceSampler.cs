using Trellis.Daemon.Config;
using Trellis.OsProcess;

namespace Trellis.Daemon.Runtime;

/// <summary>
/// Samples what each service uses (<see cref="ResourceTrack"/>): its cgroup's members when it has a group, else its
/// session, from one pass over /proc. It samples every interval while someone looks (the API, the dashboard, a
/// metrics scrape in the last minute) and otherwise only the services with <c>restart_on_memory</c>, so an unwatched
/// daemon with a thousand services stays idle. A service past its <c>restart_on_memory</c> is restarted.
/// </summary>
internal sealed class ResourceSampler
{
    /// <summary>How long sampling goes on after the last look.</summary>
    public static readonly TimeSpan WatchFor = TimeSpan.FromMinutes(1);

    private readonly ServiceTree _tree;
    private readonly TimeProvider _time;
    private readonly Lock _sampleLock = new();
    private readonly Action<Exception> _onFailure;
    private long _watchedUntil;
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastFull;

    public ResourceSampler(ServiceTree tree, TimeSpan interval, Action<Exception>? onFailure = null)
    {
        _onFailure = onFailure ?? (_ => { });
        _tree = tree;
        _time = tree.Ctx.Time;
        Interval = interval;
    }

    public TimeSpan Interval { get; }

    /// <summary>Someone looks: keep sampling every service for the next minute, and make sure the latest sample is fresh.</summary>
    public void Watch()
    {
        var now = _time.GetTimestamp();
        Volatile.Write(ref _watchedUntil, now + (long)(WatchFor.TotalSeconds * _time.TimestampFrequency));
        Wake();
        var last = Volatile.Read(ref _lastFull);
        if (last == 0 || _time.GetElapsedTime(last, now) >= Interval)
        {
            Sample(Services(), full: true);
        }
    }

    /// <summary>
    /// Samples every interval until <paramref name="cancellationToken"/> is cancelled, and restarts services past their
    /// memory. With nobody looking and no service with restart_on_memory it sleeps until <see cref="Wake"/>, so an
    /// unwatched daemon does nothing at all (not even a timer that wakes a pool thread).
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                // Taken before the check: a wake after it completes this one, so none is lost.
                var wake = Volatile.Read(ref _wake);
                if (!Busy())
                {
                    await wake.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                    Interlocked.CompareExchange(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), wake);
                }

                await Task.Delay(Interval, _time, cancellationToken).ConfigureAwait(false);
                try
                {
                    await TickAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Reported, and the next tick tries again: one bad sample must not end sampling or the daemon.
                    _onFailure(ex);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Something changed that may need sampling (a look, a reload): the sleeping loop runs again.</summary>
    public void Wake() => Volatile.Read(ref _wake).TrySetResult();

    private bool Busy() =>
        _time.GetTimestamp() < Volatile.Read(ref _watchedUntil)
        || Services().Any(n => ((ServiceConfig)n.Config).Limits.RestartOnMemory is not null);

    /// <summary>One interval's work: sample (all while watched, else those with a memory restart), then restart any past it.</summary>
    public async Task TickAsync()
    {
        var watched = _time.GetTimestamp() < Volatile.Read(ref _watchedUntil);
        var services = Services();
        var sampled = watched ? services : services.Where(n => ((ServiceConfig)n.Config).Limits.RestartOnMemory is not null).ToList();
        if (sampled.Count == 0)
        {
            return;
        }

        Sample(sampled, full: watched);
        foreach (var n in sampled)
        {
            if (((ServiceConfig)n.Config).Limits.RestartOnMemory is { } limit && n.Resources.Latest is { } s
                && MemoryRule.ShouldRestart(s.RssBytes, limit) && !n.StopRequested)
            {
                var detail = $"rss {Units.Size(s.RssBytes)} is over restart_on_memory {Units.Size(limit)}";
                n.Log?.Daemon("restarting: " + detail);
                _tree.Events.Add(n.Name, "memory_restart", detail);
                _ = await _tree.RestartNodeAsync(n.Name).ConfigureAwait(false);
            }
        }
    }

    private List<TreeNode> Services()
    {
        lock (_tree.ModelLock)
        {
            return _tree.Nodes.Where(n => n.Config is ServiceConfig).ToList();
        }
    }

    private void Sample(List<TreeNode> services, bool full)
    {
        lock (_sampleLock)
        {
            var stamp = _time.GetTimestamp();
            var now = _time.GetUtcNow();
            var running = services.Where(n => n.OsPid > 0).ToList();
            var withoutGroup = running.Where(n => _tree.Ctx.Cgroups.Of(n.Name) is null).Select(n => n.OsPid).ToList();
            var bySession = ResourceUsage.OfSessions(withoutGroup);
            foreach (var n in services)
            {
                var pid = n.OsPid;
                if (pid <= 0)
                {
                    n.Resources.Down();
                    continue;
                }

                var since = n.Run?.Since ?? now;
                if (_tree.Ctx.Cgroups.Of(n.Name) is { } group)
                {
                    var usage = ResourceUsage.Of(group.Processes());
                    var cpu = group.CpuSeconds();
                    n.Resources.Record(pid, cpu is { } c ? usage.WithCpuSeconds(c) : usage, cpu is not null, since, stamp, now, _time);
                }
                else
                {
                    n.Resources.Record(pid, bySession.GetValueOrDefault(pid), groupCpu: false, since, stamp, now, _time);
                }
            }

            if (full)
            {
                Volatile.Write(ref _lastFull, stamp);
            }
        }
    }
}

/// <summary>When a service's memory calls for a restart (PM2's max_memory_restart).</summary>
internal static class MemoryRule
{
    /// <summary>Past the limit, not at it.</summary>
    public static bool ShouldRestart(long rssBytes, long limit) => rssBytes > limit;
}
