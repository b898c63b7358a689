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

/// <summary>The kind of an exit, for metrics: a small fixed set, so a metric's series stay few.</summary>
internal static class ExitKind
{
    /// <summary>Every kind, in the order metrics list them.</summary>
    public static readonly string[] All = ["normal", "shutdown", "exit_code", "signal", "oom_killed", "killed", "spawn_failed", "crashed"];

    public static string Of(ExitReason reason) => reason.Kind switch
    {
        ExitReasonKind.Normal => "normal",
        ExitReasonKind.Shutdown => "shutdown",
        ExitReasonKind.ExitCode => "exit_code",
        ExitReasonKind.Signal => "signal",
        ExitReasonKind.Killed or ExitReasonKind.Kill => "killed",
        _ when ControlGroup.IsOomKill(reason) => "oom_killed",
        _ when reason.Detail is SpawnFailure => "spawn_failed",
        _ => "crashed",
    };
}
