using System.Globalization;
using Trellis.OsProcess.Native;

namespace Trellis.OsProcess;

/// <summary>What /proc says of a process: its group, its session, when it started (clock ticks since boot), and whether it is a zombie.</summary>
/// <param name="Group">Its process group.</param>
/// <param name="Session">Its session.</param>
/// <param name="StartTicks">When it started, in clock ticks since boot: with the pid, it names one process for ever.</param>
/// <param name="Zombie">Whether it has exited and waits to be reaped.</param>
public readonly record struct ProcessStat(int Group, int Session, ulong StartTicks, bool Zombie)
{
    private const double TicksPerSecond = 100;

    /// <summary>The process's start, from its ticks and the boot time.</summary>
    public DateTimeOffset StartedAt
    {
        get
        {
            var btime = File.ReadLines("/proc/stat").First(l => l.StartsWith("btime ", StringComparison.Ordinal))[6..];
            return DateTimeOffset.FromUnixTimeSeconds(long.Parse(btime, CultureInfo.InvariantCulture)).AddSeconds(StartTicks / TicksPerSecond);
        }
    }

    /// <summary>Reads <c>/proc/PID/stat</c>; null when there is no such process.</summary>
    /// <param name="pid">The process.</param>
    /// <returns>What /proc says, or null.</returns>
    public static ProcessStat? Of(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

            // After "pid (comm) ": state(0) ppid(1) pgrp(2) session(3) ... starttime(19), in clock ticks since boot.
            return new ProcessStat(
                int.Parse(fields[2], CultureInfo.InvariantCulture),
                int.Parse(fields[3], CultureInfo.InvariantCulture),
                ulong.Parse(fields[19], CultureInfo.InvariantCulture),
                fields[0] == "Z");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}

