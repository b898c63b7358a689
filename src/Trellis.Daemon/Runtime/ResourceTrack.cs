using System.Diagnostics;
using Trellis.OsProcess;

namespace Trellis.Daemon.Runtime;

/// <summary>What a service used at one sample: the program and its descendants (its cgroup's members, or its session).</summary>
/// <param name="At">When it was sampled.</param>
/// <param name="CpuPercent">CPU since the previous sample, in percent of one CPU (as top shows it); over the run's life at the first sample.</param>
/// <param name="CpuSeconds">CPU time the service has used since the daemon started, over all its runs: a counter.</param>
/// <param name="RssBytes">Resident memory.</param>
/// <param name="Threads">Threads.</param>
/// <param name="OpenFiles">Open file descriptors.</param>
/// <param name="Processes">Live processes.</param>
internal sealed record ResourceSample(DateTimeOffset At, double CpuPercent, double CpuSeconds, long RssBytes, int Threads, int OpenFiles, int Processes);

/// <summary>
/// One service's resource samples: the latest, and a short history for the dashboard's sparkline. Its CPU counter
/// never goes back: a cgroup's count spans every run, and without one each ended run's time is carried over.
/// </summary>
internal sealed class ResourceTrack
{
    /// <summary>How many samples the history keeps (five minutes at the default interval).</summary>
    public const int HistoryLength = 60;

    private readonly Lock _lock = new();
    private readonly Queue<ResourceSample> _history = new();
    private int _runPid;
    private double _runCpu;
    private double _carried;
    private ResourceSample? _latest;
    private long _latestStamp;

    /// <summary>The latest sample while the service runs; null while it is down or before the first sample.</summary>
    public ResourceSample? Latest
    {
        get
        {
            lock (_lock)
            {
                return _latest;
            }
        }
    }

    /// <summary>The CPU seconds counter, kept while the service is down.</summary>
    public double CpuSecondsTotal
    {
        get
        {
            lock (_lock)
            {
                return _carried + _runCpu;
            }
        }
    }

    /// <summary>The history, oldest first.</summary>
    public ResourceSample[] History()
    {
        lock (_lock)
        {
            return [.. _history];
        }
    }

    /// <summary>The CPU percent of the last <paramref name="count"/> samples, oldest first.</summary>
    public double[] Spark(int count)
    {
        lock (_lock)
        {
            return [.. _history.Skip(Math.Max(0, _history.Count - count)).Select(s => s.CpuPercent)];
        }
    }

    /// <summary>Records a sample of the run whose program is <paramref name="osPid"/>.</summary>
    /// <param name="osPid">The program's pid.</param>
    /// <param name="usage">What it and its descendants use.</param>
    /// <param name="groupCpu">Whether the CPU time is a cgroup's count over every run, not this run's.</param>
    /// <param name="runStarted">When the run began, for the first sample's CPU percent.</param>
    /// <param name="stamp">Now, in <see cref="TimeProvider.GetTimestamp"/> units.</param>
    /// <param name="now">Now.</param>
    /// <param name="time">The clock the stamps come from.</param>
    public void Record(int osPid, ResourceUsage usage, bool groupCpu, DateTimeOffset runStarted, long stamp, DateTimeOffset now, TimeProvider time)
    {
        Debug.Assert(osPid > 0, "only a running program is sampled");
        lock (_lock)
        {
            var newRun = osPid != _runPid;
            var before = _carried + _runCpu;
            if (groupCpu)
            {
                _carried = 0;
                _runCpu = usage.CpuSeconds;
            }
            else
            {
                if (newRun)
                {
                    _carried += _runCpu;
                }

                _runCpu = usage.CpuSeconds;
            }

            _runPid = osPid;
            var total = _carried + _runCpu;
            double percent;
            if (_latestStamp != 0 && (groupCpu || !newRun))
            {
                var elapsed = time.GetElapsedTime(_latestStamp, stamp).TotalSeconds;
                percent = elapsed > 0 ? Math.Max(0, total - before) / elapsed * 100 : _latest?.CpuPercent ?? 0;
            }
            else
            {
                // The first sample of a run: its average so far, as ps shows it.
                var life = (now - runStarted).TotalSeconds;
                percent = life > 0 && !groupCpu ? usage.CpuSeconds / life * 100 : 0;
            }

            _latest = new ResourceSample(now, Math.Round(percent, 1), Math.Round(total, 2), usage.RssBytes, usage.Threads, usage.OpenFiles, usage.Processes);
            _latestStamp = stamp;
            _history.Enqueue(_latest);
            while (_history.Count > HistoryLength)
            {
                _history.Dequeue();
            }
        }
    }

    /// <summary>The service is down: no latest sample until it runs again (the counter and history stay).</summary>
    public void Down()
    {
        lock (_lock)
        {
            _latest = null;
        }
    }
}
