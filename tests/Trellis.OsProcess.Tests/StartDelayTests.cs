using System.Globalization;
using Trellis.Testing;
using Trellis.Tests.Fakes;

namespace Trellis.OsProcess.Tests;

/// <summary>
/// A program child with a start delay: its start answers at once, it spawns when the delay is up (on an injected
/// clock), a shutdown in the delay spawns nothing, and a spawn that fails late ends the child with that failure.
/// </summary>
public class StartDelayTests
{
    private static readonly SupervisorFlags Flags = new() { Intensity = 10, Period = TimeSpan.FromSeconds(5) };

    private static ProgramSpec Delayed(string script, EventLog lines, TimeSpan delay) =>
        ProgramSpec.Shell(script) with { StandardOutput = OutputTarget.Lines(lines.Add), StartDelay = delay };

    [Fact]
    public async Task Start_AnswersAtOnceAndSpawnsWhenTheDelayIsUp()
    {
        await using var probe = new Probe();
        var clock = new TestClock();
        var lines = new EventLog();
        var start = await ProgramChild.StartAsync(probe.Node, Delayed("echo started $$; exec sleep 600", lines, TimeSpan.FromMinutes(1)), clock);
        Assert.True(start.IsOk);
        Assert.Equal(0, (int)start.Info!);
        var spawned = ProgramChild.WaitSpawnedAsync(start.Pid).AsTask();
        await clock.WaitForTimersAsync(1, Probe.Deadline);

        // Nothing is spawned before the delay is up: no pid, no signal delivered, no output.
        Assert.Equal(0, await ProgramChild.GetOsPidAsync(start.Pid));
        Assert.False(await ProgramChild.SignalAsync(start.Pid, Signals.Term));
        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.False(spawned.IsCompleted);
        Assert.Empty(lines.Snapshot());

        clock.Advance(TimeSpan.FromSeconds(1));
        var osPid = await spawned.WaitAsync(Probe.Deadline);
        await lines.WaitUntilAsync(e => e.Contains("started " + osPid.ToString(CultureInfo.InvariantCulture)));
        Assert.Equal(osPid, await ProgramChild.GetOsPidAsync(start.Pid));
        Assert.Equal(osPid, await ProgramChild.WaitSpawnedAsync(start.Pid));
        await GenServer.StopAsync(start.Pid, ExitReason.Shutdown, Probe.Deadline);
        Assert.False(OsCheck.Exists(osPid));
    }

    [Fact]
    public async Task ShutdownDuringTheDelay_EndsTheChildWithNothingSpawned()
    {
        await using var probe = new Probe();
        var clock = new TestClock();
        var lines = new EventLog();
        var spec = ProgramChild.Spec("d", Delayed("echo started; exec sleep 600", lines, TimeSpan.FromHours(1)), clock);
        var sup = await probe.StartSupervisorAsync(Flags, spec);
        var child = await Probe.ChildPid(sup, "d");
        var spawned = ProgramChild.WaitSpawnedAsync(child).AsTask();
        await clock.WaitForTimersAsync(1, Probe.Deadline);

        Assert.True((await Supervisor.TerminateChildAsync(sup, "d")).IsOk);
        Assert.Equal(ExitReason.Shutdown, await Probe.ExitOf(child));
        var failed = await Assert.ThrowsAsync<CallException>(() => spawned.WaitAsync(Probe.Deadline));
        Assert.Equal(ExitReason.Shutdown, failed.Reason);
        Assert.Equal(0, clock.ActiveTimers);
        clock.Advance(TimeSpan.FromHours(2));
        Assert.Empty(lines.Snapshot());
    }

    [Fact]
    public async Task DelayedChild_DoesNotHoldUpItsSupervisor()
    {
        await using var probe = new Probe();
        var clock = new TestClock();
        var lines = new EventLog();
        var sup = await probe.StartSupervisorAsync(
            Flags with { Strategy = Strategy.RestForOne },
            ProgramChild.Spec("slow", Delayed("echo slow; exec sleep 600", lines, TimeSpan.FromHours(1)), clock),
            ProgramChild.Spec("next", ProgramSpec.Shell("echo next; exec sleep 600") with { StandardOutput = OutputTarget.Lines(lines.Add) }, clock));

        // The sibling after it started while the first still waits, and the supervisor answers.
        await lines.WaitUntilAsync(e => e.Contains("next"));
        var children = await Supervisor.WhichChildrenAsync(sup);
        Assert.Equal(["next", "slow"], children.Select(c => c.Id as string).Order(StringComparer.Ordinal));
        Assert.All(children, c => Assert.False(c.Pid.IsNone));
        Assert.DoesNotContain("slow", lines.Snapshot());
        await Supervisor.StopAsync(sup, ExitReason.Shutdown, Probe.Deadline);
    }

    [Fact]
    public async Task SpawnFailingWhenTheDelayIsUp_EndsTheChildWithTheFailure()
    {
        await using var probe = new Probe();
        var clock = new TestClock();
        var spec = ProgramChild.Spec("x", new ProgramSpec { FileName = "no-such-program-xyz", StartDelay = TimeSpan.FromSeconds(1) }, clock) with
        {
            Restart = RestartType.Temporary,
        };
        var sup = await probe.StartSupervisorAsync(Flags, spec);
        var child = await Probe.ChildPid(sup, "x");
        await clock.WaitForTimersAsync(1, Probe.Deadline);
        clock.Advance(TimeSpan.FromSeconds(1));
        var reason = await Probe.ExitOf(child);
        var failure = Assert.IsType<SpawnFailure>(reason.Detail);
        Assert.Contains("no-such-program-xyz", failure.Message, StringComparison.Ordinal);
        Assert.Empty(await Supervisor.WhichChildrenAsync(sup));
    }
}
