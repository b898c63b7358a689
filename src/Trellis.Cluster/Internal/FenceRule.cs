namespace Trellis.Cluster.Internal;

/// <summary>
/// When a node must have stopped its cluster children. etcd counts a lease's time to live from when it receives the
/// renewal, which is after we sent it, and only ever extends leases; so a node that stops by
/// <c>send time of the last acknowledged renewal + TTL − margin</c> on its own monotonic clock has stopped before the
/// store can expire the lease and let another node start the same child. Clocks need not agree, only tick at about the
/// same rate (the margin covers the drift and the children's shutdown).
/// </summary>
internal static class FenceRule
{
    /// <summary>The monotonic timestamp by which the node must have fenced itself.</summary>
    public static long Deadline(long ackedSendTimestamp, TimeSpan ttl, TimeSpan margin, long frequency) =>
        ackedSendTimestamp + Ticks(ttl - margin, frequency);

    /// <summary>How often the lease is renewed: three times per time to live, so that two renewals may fail before fencing.</summary>
    public static TimeSpan RenewInterval(TimeSpan ttl) => ttl / 3;

    /// <summary>
    /// Whether the options leave room to act: the margin is positive and shorter than the time to live less one renewal
    /// interval, else a node would fence itself between two ordinary renewals.
    /// </summary>
    public static bool IsWorkable(TimeSpan ttl, TimeSpan margin, TimeSpan requestTimeout, out string error)
    {
        if (ttl < TimeSpan.FromSeconds(2) || ttl.Ticks % TimeSpan.TicksPerSecond != 0 || ttl > TimeSpan.FromHours(1))
        {
            error = $"ClusterOptions.LeaseTtl must be whole seconds from 2 s to 1 h, not {ttl}";
            return false;
        }

        if (margin <= TimeSpan.Zero || margin >= ttl - RenewInterval(ttl))
        {
            error = $"ClusterOptions.FenceMargin must be positive and less than two thirds of LeaseTtl ({ttl - RenewInterval(ttl)}), not {margin}";
            return false;
        }

        if (requestTimeout <= TimeSpan.Zero || requestTimeout > RenewInterval(ttl))
        {
            error = $"ClusterOptions.RequestTimeout must be positive and at most a third of LeaseTtl ({RenewInterval(ttl)}), not {requestTimeout}";
            return false;
        }

        error = "";
        return true;
    }

    private static long Ticks(TimeSpan span, long frequency) => (long)(span.TotalSeconds * frequency);
}
