using System.Diagnostics;
using Trellis.Daemon.Config;

namespace Trellis.Daemon.Runtime;

/// <summary>
/// How long a service waits before its next start, and what that depends on: when its program last started, how long
/// its last run lasted, and how many quick restarts came in a row. One per service, written only by its starts.
/// </summary>
internal sealed class Backoff(Func<double> draw)
{
    private long? _lastStart;
    private TimeSpan _lastRun;
    private double _lastDelayMs;

    /// <summary>A backoff drawing its jitter from <see cref="Random.Shared"/>.</summary>
    public Backoff()
        : this(Random.Shared.NextDouble)
    {
    }

    /// <summary>How many quick restarts in a row.</summary>
    public int Step { get; private set; }

    /// <summary>The program was spawned now (a timestamp of the daemon's clock).</summary>
    public void Started(long stamp) => _lastStart = stamp;

    /// <summary>The program's run ended; how long it lasted decides whether the backoff starts over.</summary>
    public void Ended(TimeProvider time)
    {
        if (_lastStart is { } started)
        {
            _lastRun = time.GetElapsedTime(started);
        }
    }

    /// <summary>
    /// Nothing before a first start or an operator's start. Otherwise at least <c>restart_delay</c> between two
    /// starts, and with backoff the n-th quick restart in a row waits <c>initial × factor^(n-1)</c> capped at
    /// <c>max</c>, spread by its jitter (full: a uniform draw from zero to that; decorrelated: from <c>initial</c> to
    /// the last delay × factor, capped at <c>max</c>; none: exactly that); a run that lasted <c>reset_after</c>
    /// starts the count over.
    /// </summary>
    public TimeSpan Next(ServiceConfig config, TimeProvider time, bool firstStart, bool operatorStart)
    {
        if (firstStart || operatorStart)
        {
            Step = 0;
            _lastDelayMs = 0;
            return TimeSpan.Zero;
        }

        var delay = _lastStart is { } last ? config.RestartDelay - time.GetElapsedTime(last) : TimeSpan.Zero;
        if (config.Backoff is { } b)
        {
            if (_lastRun >= b.ResetAfter)
            {
                Step = 0;
                _lastDelayMs = 0;
            }

            Step++;
            var backoff = TimeSpan.FromMilliseconds(Jittered(b));
            delay = delay > backoff ? delay : backoff;
        }

        return delay > TimeSpan.Zero ? delay : TimeSpan.Zero;
    }

    private double Jittered(BackoffConfig b)
    {
        var initial = b.Initial.TotalMilliseconds;
        var max = b.Max.TotalMilliseconds;
        var exponential = Math.Min(max, initial * Math.Pow(b.Factor, Step - 1));
        var ms = b.Jitter switch
        {
            BackoffJitter.Full => draw() * exponential,
            BackoffJitter.Decorrelated => Math.Min(max, initial + (draw() * (Math.Max(initial, _lastDelayMs * b.Factor) - initial))),
            _ => exponential,
        };
        Debug.Assert(ms >= 0 && ms <= max, "a backoff stays within zero and max");
        _lastDelayMs = ms;
        return ms;
    }
}
