using Trellis.Daemon.Cli;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace Trellis.Daemon;

/// <summary>The daemon's binary: every <c>trellis</c> command, <c>up</c> and <c>check</c> in process.</summary>
internal static class Program
{
    // Re-executes with the daemon's GC settings before `up` runs (parsing has had no effect to undo).
    // `lifeline` (not in the help) is the watchdog cluster mode starts beside the daemon (see ClusterLifeline).
    public static Task<int> Main(string[] argv) => argv is [Runtime.ClusterLifeline.Command]
        ? Task.FromResult(OsProcess.LifelineWatchdog.Run(Console.Error))
        : CommandLineMain.RunAsync(argv, new InProcess(), GcBudget.EnsureForDaemon);

    /// <summary>up and check, run here.</summary>
    private sealed class InProcess : IDaemonCommands
    {
        public Task<int> UpAsync(UpOptions options) => UpCommand.RunAsync(options);

        public int Check(string file) => CheckCommand.Run(file);
    }
}
