using Trellis.OsProcess.Internal;

namespace Trellis.OsProcess;

/// <summary>
/// Process groups as supervise and trellis start them (each program leads its own session and group): find one again
/// after a supervisor was killed, stop it whole, wait until it is empty.
/// </summary>
public static class ProcessGroups
{
    /// <summary>Whether <paramref name="pid"/> is alive and leads its own session and group.</summary>
    /// <param name="pid">The process.</param>
    /// <param name="stat">What /proc says of it, when true.</param>
    /// <returns>True for a live session and group leader.</returns>
    public static bool IsLeader(int pid, out ProcessStat stat) => LeftoverGroup.IsLeader(pid, out stat);

    /// <summary>
    /// Stops the group led by <paramref name="pid"/>, which need not be our child: the stop signal and SIGCONT, SIGKILL
    /// after <paramref name="timeout"/>, then SIGKILL to whatever is left in the group.
    /// </summary>
    /// <param name="pid">The group's leader.</param>
    /// <param name="stopSignal">The signal to stop it with (SIGTERM, or the program's own).</param>
    /// <param name="timeout">How long it may take before it is killed.</param>
    /// <returns>True when it is gone.</returns>
    public static bool Stop(int pid, int stopSignal, TimeSpan timeout) => LeftoverGroup.Stop(pid, stopSignal, timeout);

    /// <summary>Completes when the group led by a program this process started is empty (at once for one it does not track).</summary>
    /// <param name="pid">The program's pid.</param>
    /// <returns>The wait.</returns>
    public static Task WhenGone(int pid) => ChildReaper.Shared.WhenGroupGone(pid);
}
