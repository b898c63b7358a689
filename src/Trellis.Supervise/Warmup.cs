using Trellis.OsProcess;

namespace Trellis.Supervise;

/// <summary>
/// Gets the death-and-restart path compiled before the program's first start. supervise compiles methods on first use
/// (see <see cref="Program"/>), so without this the first restart takes 40-60 ms and the next few up to 10: the
/// reaper, the exit signals, the server's stop and the framework code under them are compiled then. Here they are
/// compiled by running them once for a throwaway <c>true</c> (spawned, reaped, its process ended) and, for
/// supervise's own reaction, by compiling its methods ahead; a timer is let fire, and the start's garbage is collected
/// and finalized. The same keeps an idle supervise from compiling anything in its first minute.
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
                try
                {
                    await Node.WaitForExitAsync(start.Pid).WaitAsync(TimeSpan.FromSeconds(5), time).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // A `true` that does not end is no reason not to supervise: it is killed (with its group), and the
                    // warm-up goes on without it.
                    Node.Exit(start.Pid, ExitReason.Kill);
                    await Node.WaitForExitAsync(start.Pid).ConfigureAwait(false);
                }
            }
        }

        ExitPathWarmup.Prepare([.. ExitPathWarmup.OsProcessTypes, typeof(ServiceServer), typeof(Log), typeof(FileLog), typeof(Alarmer)]);

        // A timer that fires (restart delays, call timeouts) and the finalizers of the start's garbage: compiled and
        // run now, not in the first minute of an idle supervise.
        await Task.Delay(TimeSpan.FromMilliseconds(1), time).ConfigureAwait(false);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    }
}
