namespace Trellis.Daemon.Access;

/// <summary>
/// Lets at most <c>burst</c> events through per <c>window</c>, and counts the rest, so a caller hammering the daemon
/// with refused requests cannot fill its log: the first refusals are logged one by one, then one line says how many
/// were held back.
/// </summary>
internal sealed class RateGate(TimeProvider time, int burst, TimeSpan window)
{
    private readonly Lock _lock = new();
    private long _windowStart = long.MinValue;
    private int _passed;
    private int _held;

    /// <summary>
    /// Whether this event may be logged; <paramref name="heldBefore"/> is how many were held back in the window that
    /// just ended (to be reported with it).
    /// </summary>
    public bool TryPass(out int heldBefore)
    {
        lock (_lock)
        {
            var now = time.GetTimestamp();
            heldBefore = 0;
            if (_windowStart == long.MinValue || time.GetElapsedTime(_windowStart, now) >= window)
            {
                heldBefore = _held;
                _windowStart = now;
                _passed = 0;
                _held = 0;
            }

            if (_passed < burst)
            {
                _passed++;
                return true;
            }

            _held++;
            return false;
        }
    }
}
