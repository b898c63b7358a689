namespace Trellis.OsProcess.StatusFiles;

/// <summary>
/// Bounds what a control FIFO can queue. A byte equal to the last one queued and not yet taken up is coalesced with it
/// (a burst of 5,000 <c>k</c> is one kill), and no more than <see cref="Capacity"/> commands wait at once (an
/// alternating flood is cut, and counted), so control bytes can never hold back exits and signals behind them or
/// grow the heap. Order is kept: <c>d u d</c> stays three commands.
/// </summary>
/// <param name="capacity">How many commands may wait at once.</param>
public sealed class ControlGate(int capacity = ControlGate.DefaultCapacity)
{
    /// <summary>How many commands may wait by default.</summary>
    public const int DefaultCapacity = 64;

    private readonly Lock _lock = new();
    private int _queued;
    private int _last = -1;
    private long _dropped;

    /// <summary>How many commands may wait at once.</summary>
    public int Capacity { get; } = capacity;

    /// <summary>Bytes refused because the queue was full (coalesced repeats are not counted).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Whether <paramref name="command"/> should be queued; when true, <see cref="Taken"/> must follow as its handling begins.</summary>
    /// <param name="command">The control byte.</param>
    /// <returns>True to queue it.</returns>
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

    /// <summary>A queued command is taken up: its handling begins (the same byte sent from now on is queued anew).</summary>
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
