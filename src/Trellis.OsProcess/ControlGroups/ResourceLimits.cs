namespace Trellis.OsProcess;

/// <summary>
/// What a <see cref="ControlGroup"/> allows everything in it, together: memory, CPU and the number of processes. Each
/// limit is written to the hierarchy that offers its controller (v2 where the unified hierarchy offers it, else v1).
/// </summary>
public sealed record ResourceLimits
{
    /// <summary>No limits.</summary>
    public static ResourceLimits None { get; } = new();

    /// <summary>The memory the group may use, in bytes (v2 <c>memory.max</c>, v1 <c>memory.limit_in_bytes</c>); past it the kernel's OOM killer picks a member.</summary>
    public ulong? MemoryMax { get; init; }

    /// <summary>The CPU time the group may use, in CPUs: 0.5 is half of one CPU, 2 is two (v2 <c>cpu.max</c>, v1 <c>cpu.cfs_quota_us</c> over a 100 ms period).</summary>
    public double? CpuMax { get; init; }

    /// <summary>The group's share of CPU time against its siblings, 1 to 10000, 100 by default (v2 <c>cpu.weight</c>, v1 <c>cpu.shares</c> scaled so 100 is 1024).</summary>
    public int? CpuWeight { get; init; }

    /// <summary>How many processes and threads the group may hold (<c>pids.max</c>); a fork past it fails with EAGAIN.</summary>
    public int? PidsMax { get; init; }

    /// <summary>Whether no limit is set.</summary>
    public bool IsEmpty => MemoryMax is null && CpuMax is null && CpuWeight is null && PidsMax is null;

    /// <summary>The CFS period the CPU quota is measured over, in microseconds (the kernel's default).</summary>
    internal const long CpuPeriodMicroseconds = 100_000;

    /// <summary>The CPU quota in microseconds per period.</summary>
    internal long CpuQuotaMicroseconds => (long)Math.Max(1000, Math.Round(CpuMax!.Value * CpuPeriodMicroseconds));

    /// <summary>v1 <c>cpu.shares</c> for the weight: 100 is the default 1024.</summary>
    internal long CpuShares => Math.Max(2, CpuWeight!.Value * 1024L / 100);
}
