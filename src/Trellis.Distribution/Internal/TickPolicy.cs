namespace Trellis.Distribution.Internal;

/// <summary>What a connection's tick timer does each quarter of the tick time: a pure decision, tested with numbers.</summary>
internal static class TickPolicy
{
    /// <summary>The period of the tick timer.</summary>
    public static TimeSpan Interval(TimeSpan tickTime) => tickTime / 4;

    /// <summary>
    /// Silence for three quarters of the tick time means the peer is gone (a peer sends a tick every quarter when it has
    /// nothing else to say); checked every quarter, so a silent peer is declared down within the tick time. Otherwise a
    /// tick goes out when nothing else did since the last check.
    /// </summary>
    /// <param name="sinceReceived">Time since the last byte arrived.</param>
    /// <param name="sentSinceLastCheck">Whether any frame went out since the previous check.</param>
    /// <param name="tickTime">The tick time.</param>
    /// <returns>What to do.</returns>
    public static TickAction Decide(TimeSpan sinceReceived, bool sentSinceLastCheck, TimeSpan tickTime) =>
        sinceReceived >= tickTime * 3 / 4 ? TickAction.Down
        : sentSinceLastCheck ? TickAction.None
        : TickAction.SendTick;
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
