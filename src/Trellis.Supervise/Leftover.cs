using Trellis.OsProcess;
using Trellis.OsProcess.StatusFiles;

namespace Trellis.Supervise;

/// <summary>
/// A supervise killed with SIGKILL leaves its program running. The next supervise on the same directory finds it
/// through the status file, makes sure it is that program (it leads its own session and group and was started when
/// the status says); <see cref="ProcessGroups.Stop"/> then stops it with its group before a new one starts.
/// </summary>
internal static class Leftover
{
    private static readonly TimeSpan StartTolerance = TimeSpan.FromSeconds(2);

    /// <summary>The pid of the program a previous supervise left behind, or 0.</summary>
    public static int Find(StatusRecord? status) =>
        status is { Pid: > 0 } s && ProcessGroups.IsLeader(s.Pid, out var stat) && (stat.StartedAt - s.Changed).Duration() <= StartTolerance ? s.Pid : 0;
}
