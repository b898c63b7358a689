using Trellis.OsProcess;

namespace Trellis.Daemon.Runtime;

/// <summary>Exit reasons in words an operator reads.</summary>
internal static class Reasons
{
    public static string Describe(ExitReason reason) => reason.Kind switch
    {
        ExitReasonKind.Normal => "exited normally",
        ExitReasonKind.ExitCode => $"exited with status {reason.Code}",
        ExitReasonKind.Signal => $"killed by SIG{Signals.Name(reason.Code)}{(reason.CoreDumped ? " (core dumped)" : string.Empty)}",
        ExitReasonKind.Shutdown => "shut down",
        ExitReasonKind.Killed => "killed",
        _ when reason.Detail is SpawnFailure f => "could not start: " + f.Message,
        _ when ControlGroup.IsOomKill(reason) => OomKilled(reason),
        _ => reason.ToString(),
    };

    // {oom_killed, {memory_max, Bytes}}
    private static string OomKilled(ExitReason reason) =>
        ((ErrorTerm)reason.Detail!).Values is [ErrorTerm { Values: [ulong max] }]
            ? $"killed by the OOM killer at memory_max {Config.Units.Size((long)max)}"
            : "killed by the OOM killer";
}
