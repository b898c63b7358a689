using System.Diagnostics;

namespace Trellis;

/// <summary>
/// Counts events in a trailing window of time, with the rule of <c>supervisor.erl</c>'s <c>add_restart</c>: an event
/// at <c>t</c> counts while <c>now - t &lt;= period</c>, times taken from a <see cref="TimeProvider"/> and truncated to
/// <see cref="Resolution"/> (OTP truncates to whole seconds). A supervisor's restart intensity, supervise's
/// <c>max_tries</c> and the hosting health check all count with it. Not thread-safe: its owner serializes calls.
/// </summary>
public sealed class SlidingWindow
{
    private readonly TimeProvider _time;
    private readonly long _ticksPerUnit;
    private readonly long _periodUnits;
    private readonly Queue<long> _events = new();

    /// <summary>Creates a window of <paramref name="period"/>, counting in steps of <paramref name="resolution"/>.</summary>
    /// <param name="time">The clock.</param>
    /// <param name="period">How far back an event counts; zero counts only events of the current step.</param>
    /// <param name="resolution">The step times are truncated to; one second (OTP's) when null.</param>
    public SlidingWindow(TimeProvider time, TimeSpan period, TimeSpan? resolution = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(period, TimeSpan.Zero);
        var step = resolution ?? TimeSpan.FromSeconds(1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(step, TimeSpan.Zero, nameof(resolution));
        _time = time;
        Period = period;
        Resolution = step;
        _ticksPerUnit = Math.Max(1, (long)(step.TotalSeconds * time.TimestampFrequency));
        _periodUnits = period.Ticks / step.Ticks;
    }

    /// <summary>How far back an event counts.</summary>
    public TimeSpan Period { get; }

    /// <summary>The step times are truncated to.</summary>
    public TimeSpan Resolution { get; }

    /// <summary>Records an event now.</summary>
    /// <returns>How many events the window holds, this one included.</returns>
    public int Add()
    {
        var now = Now();
        Prune(now);
        _events.Enqueue(now);
        return _events.Count;
    }

    /// <summary>How many events the window holds now.</summary>
    /// <returns>The count.</returns>
    public int Count()
    {
        Prune(Now());
        return _events.Count;
    }

    /// <summary>Forgets every event.</summary>
    public void Clear() => _events.Clear();

    private void Prune(long now)
    {
        var threshold = now - _periodUnits;
        while (_events.Count > 0 && _events.Peek() < threshold)
        {
            _events.Dequeue();
        }

        Debug.Assert(_events.Count == 0 || _events.Peek() <= now, "a window's events are never in the future");
    }

    private long Now() => _time.GetTimestamp() / _ticksPerUnit;
}
