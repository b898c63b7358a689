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
        var config = Service(TimeSpan.Zero, new BackoffConfig { Initial = TimeSpan.FromSeconds(1), Factor = 2, Max = TimeSpan.FromSeconds(5), ResetAfter = TimeSpan.FromMinutes(1) });
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
