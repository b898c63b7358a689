namespace Trellis.Distribution.Internal;

/// <summary>What a connection's timer does each eighth of the tick time: a pure decision, tested with numbers.</summary>
internal static class TickPolicy
{
    /// <summary>
    /// The period of a connection's timer: an eighth of the tick time. Silence is checked at every firing, a tick is
    /// due at every second one (each quarter).
    /// </summary>
    public static TimeSpan Interval(TimeSpan tickTime) => tickTime / 8;

    /// <summary>Whether a tick is due at the timer's <paramref name="firing"/>-th firing (counted from 1): every second one.</summary>
    public static bool TickDue(int firing) => (firing & 1) == 0;

    /// <summary>
    /// Silence for three quarters of the tick time means the peer is gone (a peer sends a tick every quarter when it has
    /// nothing else to say). Checked every eighth, so a silent peer is declared down after 3/4 to 7/8 of the tick time
    /// of silence, wherever the peer's ticks fall between two checks (with a check each quarter, two nodes whose timers
    /// started together would always be seen down at the full tick time). Otherwise, when a tick is due, one goes out
    /// unless some other frame did since the last one was due.
    /// </summary>
    /// <param name="sinceReceived">Time since the last byte arrived.</param>
    /// <param name="tickDue">Whether this check is one at which a tick is due (every second one).</param>
    /// <param name="sentSinceLastTick">Whether any frame went out since the previous check at which a tick was due.</param>
    /// <param name="tickTime">The tick time.</param>
    /// <returns>What to do.</returns>
    public static TickAction Decide(TimeSpan sinceReceived, bool tickDue, bool sentSinceLastTick, TimeSpan tickTime) =>
        sinceReceived >= tickTime * 3 / 4 ? TickAction.Down
        : tickDue && !sentSinceLastTick ? TickAction.SendTick
        : TickAction.None;
}

/// <summary>The outcome of <see cref="TickPolicy.Decide"/>.</summary>
internal enum TickAction
{
    /// <summary>Nothing to do.</summary>
    None,

    /// <summary>Send a tick.</summary>
    SendTick,

    /// <summary>The peer has been silent too long: close the connection.</summary>
    Down,
}
