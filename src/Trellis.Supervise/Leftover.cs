using Trellis.OsProcess.StatusFiles;
using System.Globalization;
using Trellis.OsProcess;
using Trellis.OsProcess.Native;

namespace Trellis.Supervise;

/// <summary>
/// A supervise killed with SIGKILL leaves its program running. The next supervise on the same directory finds it
/// through the status file, makes sure it is that program (it leads its own session and group and was started when
/// the status says), and stops it (stop signal, then SIGKILL to its group) before starting a new one.
/// </summary>
internal static class Leftover
{
    private static readonly TimeSpan StartTolerance = TimeSpan.FromSeconds(2);

    /// <summary>The pid of the program a previous supervise left behind, or 0.</summary>
    public static int Find(StatusRecord? status)
    {
        if (status is not { Pid: > 0 } s || !TryReadStat(s.Pid, out var group, out var session, out var started))
        {
            return 0;
        }

        return group == s.Pid && session == s.Pid && (started - s.Changed).Duration() <= StartTolerance ? s.Pid : 0;
    }

    /// <summary>Stops the leftover program and its group; true when it is gone.</summary>
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
        // A pidfd polls readable once its process has exited; it works for a process that is not our child.
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

    private static bool TryReadStat(int pid, out int group, out int session, out DateTimeOffset started)
    {
        group = session = 0;
        started = default;
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

            // After "pid (comm) ": state(0) ppid(1) pgrp(2) session(3) ... starttime(19), in clock ticks since boot.
            group = int.Parse(fields[2], CultureInfo.InvariantCulture);
            session = int.Parse(fields[3], CultureInfo.InvariantCulture);
            var ticks = ulong.Parse(fields[19], CultureInfo.InvariantCulture);
            var btime = File.ReadLines("/proc/stat").First(l => l.StartsWith("btime ", StringComparison.Ordinal))[6..];
            var boot = DateTimeOffset.FromUnixTimeSeconds(long.Parse(btime, CultureInfo.InvariantCulture));
            started = boot.AddSeconds(ticks / 100.0);
            return fields[0] != "Z";
        }
        catch (Exception ex) when (ex is IOException or FormatException or InvalidOperationException or IndexOutOfRangeException)
        {
            return false;
        }
    }
}
