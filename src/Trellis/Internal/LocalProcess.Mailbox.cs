using System.Threading.Tasks.Sources;

namespace Trellis.Internal;

/// <summary>The mailbox: a ring buffer and at most one waiting receive, which a sender hands its message to directly.</summary>
internal sealed partial class LocalProcess : IValueTaskSource<object?>
{
    private object?[]? _buffer;
    private int _head;
    private int _count;
    private ManualResetValueTaskSourceCore<object?> _waiter;
    private Predicate<object>? _waitMatch;
    private ITimer? _waitTimer;
    private long _received;
    private bool _quietWait;

    /// <summary>What a quiet receive returns once the process has exited (internal loops end on it without an exception).</summary>
    internal static readonly object DeadSentinel = new();

    public override int MessageQueueLength
    {
        get
        {
            lock (this)
            {
                return _count;
            }
        }
    }

    /// <summary>Messages taken out of the mailbox so far.</summary>
    public long MessagesReceived => Interlocked.Read(ref _received);

    /// <summary>Puts a message in the mailbox, or hands it to the waiting receive. False if the process is dead.</summary>
    internal bool Enqueue(object message)
    {
        ITimer? timer = null;
        lock (this)
        {
            if (_exitReason is not null)
            {
                return false;
            }

            if (!EnqueueLocked(message, ref timer))
            {
                return true;
            }
        }

        timer?.Dispose();
        _waiter.SetResult(message);
        return true;
    }

    /// <summary>Returns true when the message went to the waiting receive, which the caller must then complete outside the lock.</summary>
    private bool EnqueueLocked(object message, ref ITimer? timer)
    {
        if ((_flags & FlagWaiting) != 0 && (_waitMatch is null || _waitMatch(message)))
        {
            _flags &= ~FlagWaiting;
            _waitMatch = null;
            timer = _waitTimer;
            _waitTimer = null;
            _received++;
            return true;
        }

        Push(message);
        return false;
    }

    private void Push(object message)
    {
        if (_buffer is null)
        {
            _buffer = new object?[4];
        }
        else if (_count == _buffer.Length)
        {
            var bigger = new object?[_buffer.Length * 2];
            for (var i = 0; i < _count; i++)
            {
                bigger[i] = _buffer[(_head + i) & (_buffer.Length - 1)];
            }

            _buffer = bigger;
            _head = 0;
        }

        _buffer[(_head + _count) & (_buffer.Length - 1)] = message;
        _count++;
    }

    private object RemoveAt(int index)
    {
        var buffer = _buffer!;
        var mask = buffer.Length - 1;
        var message = buffer[(_head + index) & mask]!;
        for (var i = index; i > 0; i--)
        {
            buffer[(_head + i) & mask] = buffer[(_head + i - 1) & mask];
        }

        buffer[_head] = null;
        _head = (_head + 1) & mask;
        _count--;
        _received++;
        return message;
    }

    /// <summary>Removes every queued message that <paramref name="match"/> accepts; returns how many.</summary>
    internal int RemoveAll(Predicate<object> match)
    {
        lock (this)
        {
            if (_buffer is null || _count == 0)
            {
                return 0;
            }

            var mask = _buffer.Length - 1;
            var kept = 0;
            for (var i = 0; i < _count; i++)
            {
                var message = _buffer[(_head + i) & mask]!;
                if (!match(message))
                {
                    _buffer[(_head + kept) & mask] = message;
                    kept++;
                }
            }

            for (var i = kept; i < _count; i++)
            {
                _buffer[(_head + i) & mask] = null;
            }

            var removed = _count - kept;
            _count = kept;
            return removed;
        }
    }

    public override ValueTask<object> ReceiveAsync()
    {
        lock (this)
        {
            ThrowIfDead();
            if (_count > 0)
            {
                return new ValueTask<object>(RemoveAt(0));
            }

            BeginWaitLocked(null, quiet: false);
        }

        return new ValueTask<object>((IValueTaskSource<object>)(object)this, _waiter.Version);
    }

    public override ValueTask<object?> ReceiveAsync(TimeSpan timeout) => ReceiveCoreAsync(null, timeout, quiet: false);

    public override ValueTask<object?> ReceiveAsync(Predicate<object> match, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(match);
        return ReceiveCoreAsync(match, timeout, quiet: false);
    }

    /// <summary>A receive for the runtime's own loops: returns <see cref="DeadSentinel"/> instead of throwing once the process has exited.</summary>
    internal ValueTask<object?> ReceiveQuietAsync(TimeSpan timeout) => ReceiveCoreAsync(null, timeout, quiet: true);

    private ValueTask<object?> ReceiveCoreAsync(Predicate<object>? match, TimeSpan timeout, bool quiet)
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "a receive timeout must be zero or more, or Timeout.InfiniteTimeSpan");
        }

        short version;
        lock (this)
        {
            if (quiet && _exitReason is not null)
            {
                return new ValueTask<object?>(DeadSentinel);
            }

            ThrowIfDead();
            for (var i = 0; i < _count; i++)
            {
                if (match is null || match(_buffer![(_head + i) & (_buffer.Length - 1)]!))
                {
                    return new ValueTask<object?>(RemoveAt(i));
                }
            }

            if (timeout == TimeSpan.Zero)
            {
                return new ValueTask<object?>((object?)null);
            }

            BeginWaitLocked(match, quiet);
            version = _waiter.Version;
        }

        if (timeout != Timeout.InfiniteTimeSpan)
        {
            ArmTimeout(timeout, version);
        }

        return new ValueTask<object?>(this, version);
    }

    private void BeginWaitLocked(Predicate<object>? match, bool quiet)
    {
        _waiter.Reset();
        _quietWait = quiet;
        _waitMatch = match;
        _flags |= FlagWaiting;
    }

    private void ArmTimeout(TimeSpan timeout, short version)
    {
        var timer = _node.TimeProvider.CreateTimer(static s => ((WaitTimeout)s!).Fire(), new WaitTimeout(this, version), timeout, Timeout.InfiniteTimeSpan);
        lock (this)
        {
            if ((_flags & FlagWaiting) != 0 && _waiter.Version == version && _waitTimer is null)
            {
                _waitTimer = timer;
                return;
            }
        }

        timer.Dispose();
    }

    private void OnWaitTimeout(short version)
    {
        ITimer? timer;
        lock (this)
        {
            if ((_flags & FlagWaiting) == 0 || _waiter.Version != version)
            {
                return;
            }

            _flags &= ~FlagWaiting;
            _waitMatch = null;
            timer = _waitTimer;
            _waitTimer = null;
        }

        timer?.Dispose();
        _waiter.SetResult(null);
    }

    object? IValueTaskSource<object?>.GetResult(short token)
    {
        var result = _waiter.GetResult(token);
        return ReferenceEquals(result, DeadSentinel) && !_quietWait ? throw new ProcessExitedException(_exitReason!) : result;
    }

    ValueTaskSourceStatus IValueTaskSource<object?>.GetStatus(short token) => _waiter.GetStatus(token);

    void IValueTaskSource<object?>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _waiter.OnCompleted(continuation, state, token, flags);

    private sealed class WaitTimeout(LocalProcess process, short version)
    {
        public void Fire() => process.OnWaitTimeout(version);
    }
}
