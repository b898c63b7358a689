namespace Trellis.OsProcess.StatusFiles;

/// <summary>
/// Bounds what a control FIFO can queue. A byte equal to the last one queued and not yet taken is coalesced with it
/// (a burst of 5,000 <c>k</c> is one kill), and no more than <see cref="Capacity"/> commands wait at once (an
/// alternating flood is cut, and counted), so control bytes can never hold back exits and signals behind them or
/// grow the heap. Order is kept: <c>d u d</c> stays three commands.
/// </summary>
internal sealed class ControlGate(int capacity = ControlGate.DefaultCapacity)
{
    public const int DefaultCapacity = 64;

    private readonly Lock _lock = new();
    private int _queued;
    private int _last = -1;
    private long _dropped;

    public int Capacity { get; } = capacity;

    /// <summary>Bytes refused because the queue was full (coalesced repeats are not counted).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Whether <paramref name="command"/> should be queued; when true, <see cref="Taken"/> must follow once it is handled.</summary>
    public bool TryQueue(byte command)
    {
        lock (_lock)
        {
            if (_queued > 0 && _last == command)
            {
                return false;
            }

            if (_queued >= Capacity)
            {
                _dropped++;
                return false;
            }

            _queued++;
            _last = command;
            return true;
        }
    }

    /// <summary>A queued command has been handled.</summary>
    public void Taken()
    {
        lock (_lock)
        {
            System.Diagnostics.Debug.Assert(_queued > 0, "Taken without a queued command");
            if (--_queued == 0)
            {
                _last = -1;
            }
        }
    }
}
