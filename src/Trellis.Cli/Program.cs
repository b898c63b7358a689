using Trellis.Daemon.Cli;
using Trellis.Daemon.Runtime;
using Trellis.OsProcess;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace Trellis.Cli;

/// <summary>
/// The native <c>trellis</c> client (NativeAOT): status, tree, the node commands, logs, reload, dashboard and completion
/// answer in milliseconds; <c>up</c> and <c>check</c> hand the process over to the daemon's binary, which runs on the
/// JIT (it loads .NET workers named in the tree file).
/// </summary>
internal static class Program
{
    public static Task<int> Main(string[] argv) => CommandLineMain.RunAsync(argv, new HandOver(argv));

    /// <summary>up and check: this process becomes the daemon's binary (same pid), with the daemon's GC budget.</summary>
    private sealed class HandOver(string[] argv) : IDaemonCommands
    {
        public Task<int> UpAsync(UpOptions options) => Task.FromResult(Become());

        public int Check(string file) => Become();

        private int Become()
        {
            if (DaemonBinary.Find(out var tried) is not { } daemon)
            {
                Console.Error.WriteLine($"trellis: `trellis {argv.FirstOrDefault()}` needs the daemon's binary (Trellis.Daemon); not found at {tried}; set TRELLIS_DAEMON to its path");
                return ExitCodes.Usage;
            }

            // The daemon's gen0 budget, set now so the daemon need not re-execute itself for it (see GcBudget).
            var why = RuntimeVariables.Become(daemon, ["trellis", .. argv], "TRELLIS_GC_BUDGET_SET", ("DOTNET_GCgen0size", "0x400000"));
            Console.Error.WriteLine($"trellis: cannot run the daemon {daemon}: {why}");
            return ExitCodes.Failed;
        }
    }
}
