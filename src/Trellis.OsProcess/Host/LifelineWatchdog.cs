using System.Diagnostics;
using System.Globalization;
using System.Text;
using Trellis.OsProcess.Native;

namespace Trellis.OsProcess;

/// <summary>
/// The watchdog at the other end of a <see cref="Lifeline"/>, run as its own small process with the FIFO as standard
/// input. Lines: <c>deadline NS</c> (CLOCK_MONOTONIC nanoseconds), <c>watch PID [START_TICKS]</c>, <c>unwatch PID</c>,
/// <c>release</c>.
/// When the deadline passes it SIGKILLs each watched program's process group (a pid is checked against the start time
/// it had when watched, so a reused pid is never hit) and keeps reading: the supervisor may act again and send a new
/// deadline. At the end of its input (the supervisor died) it kills what it watches and exits; after a release it
/// exits and kills nothing. Input is bounded: a line longer than 512 bytes, or more than 65,536 watched programs, ends
/// the watchdog the same way as the end of its input.
/// </summary>
public static class LifelineWatchdog
{
    private const int MaxLine = 512;
    private const int MaxWatched = 65_536;

    /// <summary>Runs on standard input until released, or until its input ends; the exit code (0 released, 1 otherwise).</summary>
    /// <param name="log">Where each kill is reported (standard error, in the daemon).</param>
    /// <returns>The exit code.</returns>
    public static unsafe int Run(TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var watched = new Dictionary<int, ulong>();
        long? deadline = null;
        var pending = new List<byte>();
        var buffer = new byte[4096];
        while (true)
        {
            var wait = deadline is { } d ? (int)Math.Clamp((d - Nanoseconds(Stopwatch.GetTimestamp())) / 1_000_000 + 1, 0, int.MaxValue) : -1;
            var fds = new PollFd { Fd = 0, Events = Constants.PollIn };
            var ready = Libc.poll(&fds, 1, wait);
            if (ready < 0 && Libc.LastError == Constants.EINTR)
            {
                continue;
            }

            if (ready == 0)
            {
                if (watched.Count > 0)
                {
                    KillAll(watched, log, "the supervisor let its deadline pass (frozen, or cut off from its cluster)");
                }

                deadline = null;
                continue;
            }

            nint read;
            fixed (byte* p = buffer)
            {
                read = Libc.read(0, p, (nuint)buffer.Length);
            }

            if (read < 0 && Libc.LastError is Constants.EINTR or Constants.EAGAIN)
            {
                continue;
            }

            if (read <= 0)
            {
                if (watched.Count > 0)
                {
                    KillAll(watched, log, "the supervisor is gone");
                }

                return 1;
            }

            for (var i = 0; i < read; i++)
            {
                if (buffer[i] != (byte)'\n')
                {
                    pending.Add(buffer[i]);
                    if (pending.Count > MaxLine)
                    {
                        KillAll(watched, log, "a line longer than 512 bytes: the input is not a supervisor's");
                        return 1;
                    }

                    continue;
                }

                var line = Encoding.ASCII.GetString([.. pending]);
                pending.Clear();
                switch (Apply(line, watched, ref deadline))
                {
                    case Outcome.Released:
                        return 0;
                    case Outcome.Bad:
                        KillAll(watched, log, $"an unknown line '{line}': the input is not a supervisor's");
                        return 1;
                }
            }
        }
    }

    /// <summary>A Stopwatch timestamp in nanoseconds (Stopwatch counts CLOCK_MONOTONIC on Linux, the same in every process).</summary>
    /// <param name="timestamp">A <see cref="Stopwatch.GetTimestamp"/> value.</param>
    /// <returns>Nanoseconds.</returns>
    public static long Nanoseconds(long timestamp) => (long)(timestamp * (1_000_000_000.0 / Stopwatch.Frequency));

    /// <summary>One line of input, applied: a pure step, tested without processes.</summary>
    internal static Outcome Apply(string line, Dictionary<int, ulong> watched, ref long? deadline)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        switch (parts)
        {
            case ["release"]:
                return Outcome.Released;
            case ["deadline", var ns] when long.TryParse(ns, NumberStyles.None, CultureInfo.InvariantCulture, out var at):
                deadline = at;
                return Outcome.Ok;
            case ["watch", var p] when int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 1:
                if (watched.Count >= MaxWatched)
                {
                    return Outcome.Bad;
                }

                if (ProcessStat.Of(pid) is { } stat)
                {
                    watched[pid] = stat.StartTicks;
                }

                return Outcome.Ok;
            case ["watch", var p, var t] when int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 1
                && ulong.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks):
                if (watched.Count >= MaxWatched)
                {
                    return Outcome.Bad;
                }

                // Only the process that started then: a pid reused since is someone else's.
                if (ProcessStat.Of(pid) is { } now && now.StartTicks == ticks)
                {
                    watched[pid] = ticks;
                }

                return Outcome.Ok;
            case ["unwatch", var p] when int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var pid):
                watched.Remove(pid);
                return Outcome.Ok;
            default:
                return Outcome.Bad;
        }
    }

    /// <summary>Kills first, then says so: the log may be a pipe to the supervisor that just died.</summary>
    private static void KillAll(Dictionary<int, ulong> watched, TextWriter log, string why)
    {
        var killed = new List<int>();
        foreach (var (pid, started) in watched)
        {
            if (ProcessStat.Of(pid) is not { } stat || stat.StartTicks != started)
            {
                continue; // Gone, or the pid names another process now.
            }

            if (stat.Group == pid)
            {
                _ = Libc.kill(-pid, Signals.Kill);
            }

            _ = Libc.kill(pid, Signals.Kill);
            killed.Add(pid);
        }

        watched.Clear();
        try
        {
            log.WriteLine($"lifeline: {why}: killed {(killed.Count == 0 ? "nothing (all had gone)" : "pid " + string.Join(", ", killed) + " with their process groups")}");
        }
        catch (IOException)
        {
            // Nobody reads it any more.
        }
    }

    /// <summary>What a line did.</summary>
    internal enum Outcome
    {
        Ok,
        Released,
        Bad,
    }
}
