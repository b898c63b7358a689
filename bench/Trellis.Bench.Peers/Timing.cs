using System.Diagnostics;

namespace Trellis.Bench.Peers;

internal static class Timing
{
    public static double Micros(long from, long to) => (to - from) * 1_000_000.0 / Stopwatch.Frequency;

    public static double Since(long from) => Micros(from, Stopwatch.GetTimestamp());

    public static void Check(bool ok, string what)
    {
        if (!ok)
        {
            throw new InvalidOperationException("benchmark check failed: " + what);
        }
    }
}
