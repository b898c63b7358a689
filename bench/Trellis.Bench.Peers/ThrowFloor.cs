using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Trellis.Bench.Peers;

/// <summary>
/// What the runtime charges for the exception every crash throws, without any actor: a throw caught one frame up, as
/// a server's loop catches what its handler throws. Each throw is timed on its own, in a loop on a thread-pool thread,
/// and the median is reported: the runtime's cost with its caches warm, which a crash path (caches cold) pays more of.
/// </summary>
internal static class ThrowFloor
{
    public static double Measure(int throws) =>
        Task.Run(() =>
        {
            var latencies = new double[throws];
            for (var i = 0; i < throws; i++)
            {
                var t0 = Stopwatch.GetTimestamp();
                try
                {
                    Handler(i);
                }
                catch (InvalidOperationException)
                {
                    latencies[i] = Timing.Since(t0);
                }
            }

            Array.Sort(latencies);
            return latencies[throws / 2];
        }).GetAwaiter().GetResult();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Handler(int i)
    {
        if (i >= 0)
        {
            throw new InvalidOperationException("crash");
        }
    }
}
