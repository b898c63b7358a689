using Trellis.Daemon.Config;
using Trellis.Daemon.Runtime;
using Trellis.Testing;
using static Trellis.Daemon.Runtime.NodeStatusRule;

namespace Trellis.Daemon.Tests;

/// <summary>The status rule and the backoff, as plain functions: no processes, a fake clock.</summary>
public sealed class NodeStatusTests
{
    private static readonly RunFacts Waiting = new(Alive: true, Spawned: false, Ready: false, Exit: null);
    private static readonly RunFacts Unready = new(Alive: true, Spawned: true, Ready: false, Exit: null);
    private static readonly RunFacts Up = new(Alive: true, Spawned: true, Ready: true, Exit: null);

    private static RunFacts Ended(ExitReason reason) => new(Alive: false, Spawned: true, Ready: true, Exit: reason);

    [Fact]
    public void A_live_run_is_backoff_until_spawned_starting_until_ready_then_running_whatever_else_holds()
    {
        foreach (var (inStart, down, failed) in new[] { (false, false, false), (true, true, true) })
        {
            Assert.Equal(NodeStatus.Backoff, Of(Waiting, inStart, down, failed));
            Assert.Equal(NodeStatus.Starting, Of(Unready, inStart, down, failed));
            Assert.Equal(NodeStatus.Running, Of(Up, inStart, down, failed));
        }
    }

    [Fact]
    public void Without_a_live_run_a_start_in_progress_comes_first_then_the_wish_then_a_failed_start_then_how_it_ended()
    {
        var crashed = Ended(ExitReason.FromExitCode(3));
        Assert.Equal(NodeStatus.Pending, Of(null, inStart: false, wantDown: false, startFailed: false));
        Assert.Equal(NodeStatus.Starting, Of(null, inStart: true, wantDown: false, startFailed: false));
        Assert.Equal(NodeStatus.Starting, Of(crashed, inStart: true, wantDown: true, startFailed: true));
        Assert.Equal(NodeStatus.Stopped, Of(crashed, inStart: false, wantDown: true, startFailed: true));
        Assert.Equal(NodeStatus.Failed, Of(crashed, inStart: false, wantDown: false, startFailed: true));
        Assert.Equal(NodeStatus.Failed, Of(null, inStart: false, wantDown: false, startFailed: true));
        Assert.Equal(NodeStatus.Crashed, Of(crashed, inStart: false, wantDown: false, startFailed: false));
        Assert.Equal(NodeStatus.Crashed, Of(Ended(ExitReason.Kill), inStart: false, wantDown: false, startFailed: false));
        Assert.Equal(NodeStatus.Exited, Of(Ended(ExitReason.Normal), inStart: false, wantDown: false, startFailed: false));
        Assert.Equal(NodeStatus.Stopped, Of(Ended(ExitReason.Shutdown), inStart: false, wantDown: false, startFailed: false));
    }

    private static ServiceConfig Service(TimeSpan restartDelay, BackoffConfig? backoff) =>
        new() { Name = "s", Command = ["x"], RestartDelay = restartDelay, Backoff = backoff };

    [Fact]
    public void Backoff_grows_by_its_factor_up_to_max_and_starts_over_after_a_long_run()
    {
        var time = new TestClock();
        var config = Service(TimeSpan.Zero, new BackoffConfig { Initial = TimeSpan.FromSeconds(1), Factor = 2, Max = TimeSpan.FromSeconds(5), ResetAfter = TimeSpan.FromMinutes(1), Jitter = BackoffJitter.None });
        var b = new Backoff();
        Assert.Equal(TimeSpan.Zero, b.Next(config, time, firstStart: true, operatorStart: false));
        var delays = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            b.Started(time.GetTimestamp());
            time.Advance(TimeSpan.FromSeconds(1));
            b.Ended(time);
            delays.Add(b.Next(config, time, firstStart: false, operatorStart: false).TotalSeconds);
        }

        Assert.Equal([1, 2, 4, 5, 5], delays);

        // A run that lasted reset_after starts the count over; an operator's start never waits.
        b.Started(time.GetTimestamp());
        time.Advance(TimeSpan.FromMinutes(1));
        b.Ended(time);
        Assert.Equal(TimeSpan.FromSeconds(1), b.Next(config, time, firstStart: false, operatorStart: false));
        Assert.Equal(TimeSpan.Zero, b.Next(config, time, firstStart: false, operatorStart: true));
        Assert.Equal(0, b.Step);
    }

    private static List<double> Delays(BackoffJitter jitter, Func<double> draw, int count)
    {
        var time = new TestClock();
        var config = Service(TimeSpan.Zero, new BackoffConfig { Initial = TimeSpan.FromSeconds(1), Factor = 2, Max = TimeSpan.FromSeconds(10), Jitter = jitter });
        var b = new Backoff(draw);
        var delays = new List<double>();
        for (var i = 0; i < count; i++)
        {
            b.Started(time.GetTimestamp());
            b.Ended(time);
            delays.Add(b.Next(config, time, firstStart: false, operatorStart: false).TotalSeconds);
        }

        return delays;
    }

    [Fact]
    public void Full_jitter_draws_from_zero_to_the_exponential_delay()
    {
        Assert.Equal([0.5, 1, 2, 4, 5], Delays(BackoffJitter.Full, () => 0.5, 5));
        Assert.Equal([0, 0, 0], Delays(BackoffJitter.Full, () => 0, 3));
        Assert.All(Delays(BackoffJitter.Full, new Random(7).NextDouble, 50), d => Assert.InRange(d, 0, 10));
    }

    [Fact]
    public void Decorrelated_jitter_draws_from_initial_to_the_last_delay_times_the_factor_capped_at_max()
    {
        // With the top of each range drawn: 1, then 1..2 -> 2, 2..4 -> 4, 4..8 -> 8, 8..16 -> capped at 10.
        Assert.Equal([1, 2, 4, 8, 10], Delays(BackoffJitter.Decorrelated, () => 1, 5).Select(d => Math.Round(d, 6)));
        Assert.Equal([1, 1, 1], Delays(BackoffJitter.Decorrelated, () => 0, 3));
        Assert.All(Delays(BackoffJitter.Decorrelated, new Random(7).NextDouble, 50), d => Assert.InRange(d, 1, 10));
    }

    [Fact]
    public void A_storm_of_backoffs_with_full_jitter_spreads_over_the_window()
    {
        // A thousand services that crash together: their first delays fill [0, 1 s) instead of all waiting 1 s.
        var random = new Random(11);
        var firsts = Enumerable.Range(0, 1000).Select(_ => Delays(BackoffJitter.Full, random.NextDouble, 1)[0]).ToList();
        var tenths = firsts.GroupBy(d => (int)(d * 10)).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(10, tenths.Count);
        Assert.All(tenths.Values, n => Assert.InRange(n, 50, 150));
    }

    [Fact]
    public void Restart_delay_counts_from_the_last_spawn()
    {
        var time = new TestClock();
        var config = Service(TimeSpan.FromSeconds(10), backoff: null);
        var b = new Backoff();
        b.Started(time.GetTimestamp());
        time.Advance(TimeSpan.FromSeconds(4));
        b.Ended(time);
        Assert.Equal(TimeSpan.FromSeconds(6), b.Next(config, time, firstStart: false, operatorStart: false));
        time.Advance(TimeSpan.FromSeconds(7));
        Assert.Equal(TimeSpan.Zero, b.Next(config, time, firstStart: false, operatorStart: false));
    }
}
