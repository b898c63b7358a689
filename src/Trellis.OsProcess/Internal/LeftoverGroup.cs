using System.Globalization;
using Trellis.OsProcess.Native;

namespace Trellis.OsProcess.Internal;

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
