using Microsoft.Extensions.Time.Testing;

namespace Trellis.Testing;

/// <summary>
/// <see cref="FakeTimeProvider"/> that also counts the timers the code under test has armed, so a test can wait for
/// a timer to exist before it advances past it: an <see cref="FakeTimeProvider.Advance"/> that comes before the code
/// arms its timer (a restart delay, a call timeout) passes it by. Use it for restart-intensity windows, shutdown
/// timeouts and call timeouts.
/// </summary>
public sealed class TestClock : FakeTimeProvider
{
    private readonly Lock _lock = new();
    private readonly HashSet<Timer> _armed = [];
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];

    /// <summary>Creates the clock at <paramref name="start"/> (2026-01-01 UTC by default).</summary>
    /// <param name="start">The wall-clock time it starts at.</param>
    public TestClock(DateTimeOffset? start = null)
        : base(start ?? new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    /// <summary>How many timers are armed (due, and neither fired once-only, stopped nor disposed).</summary>
    public int ActiveTimers
    {
        get
        {
            lock (_lock)
            {
                return _armed.Count;
            }
        }
    }

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        // Counted as armed only once the fake clock holds it: a test that sees the count and advances must fire it.
        var timer = new Timer(this, callback, state);
        timer.Inner = base.CreateTimer(static s => ((Timer)s!).Fire(), timer, dueTime, period);
        timer.Armed(dueTime, period);
        return timer;
    }

    /// <summary>Waits, event-driven, until at least <paramref name="count"/> timers are armed, or the deadline passes.</summary>
    /// <param name="count">How many timers.</param>
    /// <param name="deadline">Real time to wait at most; ten seconds by default.</param>
    /// <returns>A task that fails with <see cref="TimeoutException"/> at the deadline.</returns>
    public Task WaitForTimersAsync(int count = 1, TimeSpan? deadline = null)
    {
        TaskCompletionSource signal;
        lock (_lock)
        {
            if (_armed.Count >= count)
            {
                return Task.CompletedTask;
            }

            signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, signal));
        }

        return signal.Task.WaitAsync(deadline ?? TimeSpan.FromSeconds(10), System);
    }

    private void SetArmed(Timer timer, bool armed)
    {
        List<TaskCompletionSource>? ready = null;
        lock (_lock)
        {
            if (!armed)
            {
                _armed.Remove(timer);
                return;
            }

            _armed.Add(timer);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_armed.Count >= _waiters[i].Count)
                {
                    (ready ??= []).Add(_waiters[i].Signal);
                    _waiters.RemoveAt(i);
                }
            }
        }

        ready?.ForEach(s => s.TrySetResult());
    }

    /// <summary>A timer of the fake clock, with its armed state kept for the count.</summary>
    private sealed class Timer(TestClock clock, TimerCallback callback, object? state) : ITimer
    {
        private bool _periodic;
        private volatile bool _fired;

        public ITimer? Inner { get; set; }

        /// <summary>The fake clock holds the timer with this schedule: counted unless it has fired already (a due time of zero).</summary>
        public void Armed(TimeSpan dueTime, TimeSpan period)
        {
            _periodic = period != Timeout.InfiniteTimeSpan && period != TimeSpan.Zero;
            clock.SetArmed(this, dueTime != Timeout.InfiniteTimeSpan && (_periodic || !_fired));
        }

        public void Fire()
        {
            if (!_periodic)
            {
                _fired = true;
                clock.SetArmed(this, false);
            }

            callback(state);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            _fired = false;
            var changed = Inner!.Change(dueTime, period);
            Armed(dueTime, period);
            return changed;
        }

        public void Dispose()
        {
            clock.SetArmed(this, false);
            Inner?.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
