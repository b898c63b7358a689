using Trellis.OsProcess;
using Trellis.OsProcess.Internal;

namespace Trellis.Supervise;

/// <summary>
/// Gets the death-and-restart path compiled before the program's first start. supervise compiles methods on first use
/// (see <see cref="Program"/>), so without this the first restart takes 40-60 ms and the next few up to 10: the
/// reaper, the exit signals, the server's stop and the framework code under them are compiled then. Here they are
/// compiled by running them once for a throwaway <c>true</c> (spawned, reaped, its process ended) and, for
/// supervise's own reaction, by compiling its methods ahead; then the start's garbage is collected.
/// </summary>
internal static class Warmup
{
    public static async Task RunAsync(Node node, TimeProvider time)
    {
        if (Array.Find(["/bin/true", "/usr/bin/true"], File.Exists) is { } truePath)
        {
            var rehearsal = new ProgramSpec { FileName = truePath, StandardOutput = OutputTarget.Null, StandardError = OutputTarget.Null };
            var start = await ProgramChild.StartAsync(node, rehearsal, time).ConfigureAwait(false);
            if (start.IsOk)
            {
                await Node.WaitForExitAsync(start.Pid).WaitAsync(TimeSpan.FromSeconds(5), time).ConfigureAwait(false);
            }
        }

        ExitPathWarmup.Prepare([.. ExitPathWarmup.OsProcessTypes, typeof(ServiceServer), typeof(Log), typeof(FileLog), typeof(Alarmer)]);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    }
}
