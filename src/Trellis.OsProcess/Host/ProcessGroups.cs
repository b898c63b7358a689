using Trellis.OsProcess.Internal;
using Trellis.OsProcess.Native;

namespace Trellis.OsProcess;

/// <summary>
/// Process groups as supervise and trellis start them (each program leads its own session and group): find one again
/// after a supervisor was killed (SIGKILL, a crash) by its pid and start time, stop it whole, wait until it is empty.
/// Stopping works on a process that is not our child (a pidfd polls readable when it exits).
/// </summary>
public static class ProcessGroups
{
    /// <summary>Whether <paramref name="pid"/> is alive and leads its own session and group: what supervise and trellis start.</summary>
    /// <param name="pid">The process.</param>
    /// <param name="stat">What /proc says of it, when true.</param>
    /// <returns>True for a live session and group leader.</returns>
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

    /// <summary>
    /// Stops the group led by <paramref name="pid"/>, which need not be our child: the stop signal and SIGCONT, SIGKILL
    /// after <paramref name="timeout"/>, then SIGKILL to whatever is left in the group.
    /// </summary>
    /// <param name="pid">The group's leader.</param>
    /// <param name="stopSignal">The signal to stop it with (SIGTERM, or the program's own).</param>
    /// <param name="timeout">How long it may take before it is killed.</param>
    /// <returns>True when it is gone.</returns>
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

    /// <summary>Completes when the group led by a program this process started is empty (at once for one it does not track).</summary>
    /// <param name="pid">The program's pid.</param>
    /// <returns>The wait.</returns>
    public static Task WhenGone(int pid) => ChildReaper.Shared.WhenGroupGone(pid);
}
