using System.Globalization;
using Trellis.OsProcess.Native;

namespace Trellis.OsProcess.Internal;

/// <summary>What /proc says of a process: its group, its session, when it started (clock ticks since boot), and whether it is a zombie.</summary>
internal readonly record struct ProcessStat(int Group, int Session, ulong StartTicks, bool Zombie)
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

/// <summary>
/// A program a supervisor that was killed (SIGKILL, a crash) left running, found again by its pid and start time, and
/// stopped with all its process group: the stop signal and SIGCONT, SIGKILL after the timeout, then SIGKILL to whatever
/// is left in the group. It works on a process that is not our child (a pidfd polls readable when it exits).
/// </summary>
internal static class LeftoverGroup
{
    /// <summary>Whether <paramref name="pid"/> is alive and leads its own session and group: what supervise and trellis start.</summary>
    public static bool IsLeader(int pid, out ProcessStat stat)
    {
        stat = default;
        if (pid <= 0 || ProcessStat.Of(pid) is not { } s || s.Zombie)
        {
            return false;
        }

        stat = s;
        return s.Group == pid && s.Session == pid;
    }

    /// <summary>Stops the program and its group; true when it is gone.</summary>
    public static unsafe bool Stop(int pid, int stopSignal, TimeSpan timeout)
    {
        var fd = Libc.pidfd_open(pid, 0);
        if (fd < 0)
        {
            return true;
        }

        try
        {
            _ = Libc.kill(-pid, stopSignal);
            _ = Libc.kill(-pid, Signals.Cont);
            if (!WaitExit(fd, timeout))
            {
                _ = Libc.kill(-pid, Signals.Kill);
                if (!WaitExit(fd, TimeSpan.FromSeconds(5)))
                {
                    return false;
                }
            }

            // Whatever else was in its group goes with it.
            _ = Libc.kill(-pid, Signals.Kill);
            return true;
        }
        finally
        {
            _ = Libc.close(fd);
        }
    }

    private static unsafe bool WaitExit(int pidFd, TimeSpan timeout)
    {
        var p = new PollFd { Fd = pidFd, Events = Constants.PollIn };
        var ms = (int)Math.Min(int.MaxValue, timeout.TotalMilliseconds);
        int rc;
        do
        {
            rc = Libc.poll(&p, 1, ms);
        }
        while (rc < 0 && Libc.LastError == Constants.EINTR);
        return rc > 0;
    }
}
