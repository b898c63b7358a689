namespace Trellis.Testing;

/// <summary>
/// A clock that moves only when told to: <see cref="Advance"/> moves it and fires the timers that fall due, in order.
/// Use it for restart-intensity windows, shutdown timeouts and call timeouts; wait for a timer to exist with
/// <see cref="WaitForTimersAsync"/> before advancing past it.
/// </summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly List<ManualTimer> _timers = [];
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];
    private readonly DateTimeOffset _epoch;
    private long _ticks;

    /// <summary>Creates the clock at <paramref name="start"/> (UTC now's date at midnight by default).</summary>
    /// <param name="start">The wall-clock time it starts at.</param>
    public ManualTimeProvider(DateTimeOffset? start = null)
    {
        _epoch = start ?? new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        _ticks = TimeSpan.TicksPerHour;
    }

    /// <inheritdoc />
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <summary>How many timers are armed.</summary>
    public int ActiveTimers
    {
        get
        {
            lock (_lock)
            {
                return _timers.Count;
            }
        }
    }

    /// <inheritdoc />
    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => _epoch + TimeSpan.FromTicks(GetTimestamp() - TimeSpan.TicksPerHour);

    /// <inheritdoc />
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves the clock forward, firing every timer that falls due on the way, in due order.</summary>
    /// <param name="by">How far; zero fires what is due now.</param>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        var target = GetTimestamp() + by.Ticks;
        while (true)
        {
            ManualTimer? due = null;
            lock (_lock)
            {
                foreach (var t in _timers)
                {
                    if (t.DueAt <= target && (due is null || t.DueAt < due.DueAt))
                    {
                        due = t;
                    }
                }

                if (due is null)
                {
                    Interlocked.Exchange(ref _ticks, target);
                    return;
                }

                Interlocked.Exchange(ref _ticks, Math.Max(_ticks, due.DueAt));
                if (due.PeriodTicks > 0)
                {
                    due.DueAt += due.PeriodTicks;
                }
                else
                {
                    _timers.Remove(due);
                }
            }

            due.Fire();
        }
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
            if (_timers.Count >= count)
            {
                return Task.CompletedTask;
            }

            signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, signal));
        }

        return signal.Task.WaitAsync(deadline ?? TimeSpan.FromSeconds(10), System);
    }

    private void Schedule(ManualTimer timer, long dueAt, long periodTicks)
    {
        List<TaskCompletionSource>? ready = null;
        lock (_lock)
        {
            timer.DueAt = dueAt;
            timer.PeriodTicks = periodTicks;
            if (!_timers.Contains(timer))
            {
                _timers.Add(timer);
            }

            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_timers.Count >= _waiters[i].Count)
                {
                    (ready ??= []).Add(_waiters[i].Signal);
                    _waiters.RemoveAt(i);
                }
            }
        }

        ready?.ForEach(s => s.TrySetResult());
    }

    private void Cancel(ManualTimer timer)
    {
        lock (_lock)
        {
            _timers.Remove(timer);
        }
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public long DueAt { get; set; }

        public long PeriodTicks { get; set; }

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                owner.Cancel(this);
                return true;
            }

            ArgumentOutOfRangeException.ThrowIfLessThan(dueTime, TimeSpan.Zero);
            owner.Schedule(this, owner.GetTimestamp() + dueTime.Ticks, period == Timeout.InfiniteTimeSpan ? 0 : period.Ticks);
            return true;
        }

        public void Dispose() => owner.Cancel(this);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return default;
        }
    }
}
