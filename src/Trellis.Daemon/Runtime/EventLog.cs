namespace Trellis.Daemon.Runtime;

/// <summary>
/// The daemon's record of events: numbered without gaps, the last <see cref="Capacity"/> kept, restarts counted per
/// second for an hour for the restarts chart (a fixed ring, so a long crash loop does not grow it), and a change signal that wakes every dashboard stream. A slow
/// reader never blocks the daemon and never loses the record: it asks for what came after the last number it saw.
/// </summary>
internal sealed class EventLog(TimeProvider time, Action<TreeEvent>? onEvent = null)
{
    public const int Capacity = 20_000;

    /// <summary>Seconds of restart counts kept for the chart: an hour, in a ring of one counter per second.</summary>
    private const int RestartSeconds = 3600;

    private readonly Lock _lock = new();
    private readonly Queue<TreeEvent> _events = new();

    // Restarts per second, and which second each slot counts: a fixed 43 KB however many restarts come.
    private readonly int[] _restartCounts = new int[RestartSeconds];
    private readonly long[] _restartSecond = new long[RestartSeconds];
    private readonly List<Action> _listeners = [];
    private long _seq;
    private long _restartTotal;

    /// <summary>The number of the last event.</summary>
    public long LastSeq
    {
        get
        {
            lock (_lock)
            {
                return _seq;
            }
        }
    }

    /// <summary>Restarts since the daemon started.</summary>
    public long RestartTotal => Interlocked.Read(ref _restartTotal);

    public TreeEvent Add(string node, string kind, string detail)
    {
        TreeEvent e;
        Action[] listeners;
        lock (_lock)
        {
            e = new TreeEvent(++_seq, time.GetUtcNow(), node, kind, detail);
            _events.Enqueue(e);
            if (_events.Count > Capacity)
            {
                _events.Dequeue();
            }

            if (kind == "restarting")
            {
                Interlocked.Increment(ref _restartTotal);
                var second = e.Time.ToUnixTimeSeconds();
                var slot = (int)(second % RestartSeconds);
                if (_restartSecond[slot] != second)
                {
                    _restartSecond[slot] = second;
                    _restartCounts[slot] = 0;
                }

                _restartCounts[slot]++;
            }

            listeners = [.. _listeners];
        }

        onEvent?.Invoke(e);
        foreach (var l in listeners)
        {
            l();
        }

        return e;
    }

    /// <summary>Events after <paramref name="seq"/>; <c>Complete</c> is false when some were already dropped from memory.</summary>
    public (IReadOnlyList<TreeEvent> Events, bool Complete) Since(long seq, int max = 1000)
    {
        lock (_lock)
        {
            var first = _events.Count > 0 ? _events.Peek().Seq : _seq + 1;
            var list = _events.Where(e => e.Seq > seq).Take(max).ToArray();
            return (list, seq + 1 >= first || seq >= _seq);
        }
    }

    /// <summary>The newest event of <paramref name="kind"/> still kept, if any.</summary>
    public TreeEvent? Last(string kind)
    {
        lock (_lock)
        {
            return _events.LastOrDefault(e => e.Kind == kind);
        }
    }

    /// <summary>Restarts per bucket over the last <paramref name="window"/>, oldest bucket first.</summary>
    public int[] RestartBuckets(TimeSpan window, TimeSpan bucket)
    {
        var count = Math.Max(1, (int)(window / bucket));
        var result = new int[count];
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var seconds = Math.Min(RestartSeconds, (long)window.TotalSeconds);
        lock (_lock)
        {
            for (var age = 0L; age < seconds; age++)
            {
                var second = now - age;
                var slot = (int)(second % RestartSeconds);
                if (_restartSecond[slot] == second && _restartCounts[slot] > 0)
                {
                    var index = count - 1 - (int)(TimeSpan.FromSeconds(age) / bucket);
                    if (index >= 0)
                    {
                        result[index] += _restartCounts[slot];
                    }
                }
            }
        }

        return result;
    }

    /// <summary>Calls <paramref name="onChange"/> after every event (and <see cref="Touch"/>) until disposed.</summary>
    public IDisposable Subscribe(Action onChange)
    {
        lock (_lock)
        {
            _listeners.Add(onChange);
        }

        return new Subscription(this, onChange);
    }

    /// <summary>Wakes listeners without an event (a state change that is not one, such as ready).</summary>
    public void Touch()
    {
        Action[] listeners;
        lock (_lock)
        {
            listeners = [.. _listeners];
        }

        foreach (var l in listeners)
        {
            l();
        }
    }

    private sealed class Subscription(EventLog log, Action onChange) : IDisposable
    {
        public void Dispose()
        {
            lock (log._lock)
            {
                log._listeners.Remove(onChange);
            }
        }
    }
}
