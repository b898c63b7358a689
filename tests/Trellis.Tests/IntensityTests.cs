using System.Runtime.CompilerServices;
using Trellis.Tests.Fakes;

namespace Trellis.Tests;

/// <summary>Restart intensity, under a manual clock.</summary>
public class IntensityTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task MaxRRestartsAllowed_TheNextOneKillsTheSupervisor(int maxR)
    {
        await using var probe = new Probe(manualTime: true);
        var sup = await probe.StartSupervisorAsync(new SupervisorFlags { Intensity = maxR, Period = TimeSpan.FromSeconds(5) }, Worker.Spec("c", probe.Log));
        for (var i = 0; i < maxR; i++)
        {
            await Probe.KillAndSync(sup, await Probe.ChildPid(sup, "c"));
            Assert.True(sup.IsAlive, $"restart {i + 1} of {maxR} must be allowed");
        }

        Node.Exit(await Probe.ChildPid(sup, "c"), ExitReason.Kill);
        Assert.Equal(ExitReason.Shutdown, await Probe.ExitOf(sup));
        Assert.Equal(maxR + 1, probe.Log.Count("start c"));
    }

    [Fact]
    public async Task Window_IsInclusiveInWholeSeconds()
    {
        await using var probe = new Probe(manualTime: true);
        var sup = await probe.StartSupervisorAsync(new SupervisorFlags { Intensity = 1, Period = TimeSpan.FromSeconds(1) }, Worker.Spec("c", probe.Log));
        await Probe.KillAndSync(sup, await Probe.ChildPid(sup, "c"));
        probe.Time!.Advance(TimeSpan.FromSeconds(1));
        Node.Exit(await Probe.ChildPid(sup, "c"), ExitReason.Kill);
        Assert.Equal(ExitReason.Shutdown, await Probe.ExitOf(sup));
    }

    [Fact]
    public async Task Window_RestartsAgeOutAfterThePeriod()
    {
        await using var probe = new Probe(manualTime: true);
        var sup = await probe.StartSupervisorAsync(new SupervisorFlags { Intensity = 1, Period = TimeSpan.FromSeconds(1) }, Worker.Spec("c", probe.Log));
        for (var i = 0; i < 5; i++)
        {
            await Probe.KillAndSync(sup, await Probe.ChildPid(sup, "c"));
            Assert.True(sup.IsAlive);
            probe.Time!.Advance(TimeSpan.FromSeconds(2));
        }
    }

    [Fact]
    public async Task GroupRestart_CountsOnce()
    {
        await using var probe = new Probe(manualTime: true);
        var sup = await probe.StartSupervisorAsync(
            new SupervisorFlags { Strategy = Strategy.RestForOne, Intensity = 2 },
            Worker.Spec("a", probe.Log),
            Worker.Spec("b", probe.Log),
            Worker.Spec("c", probe.Log));
        await Probe.KillAndSync(sup, await Probe.ChildPid(sup, "a"));
        await Probe.KillAndSync(sup, await Probe.ChildPid(sup, "a"));
        Assert.True(sup.IsAlive);
        Node.Exit(await Probe.ChildPid(sup, "a"), ExitReason.Kill);
        Assert.Equal(ExitReason.Shutdown, await Probe.ExitOf(sup));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task FailingRestart_IsRetried_EachRetryCounts(int maxR)
    {
        await using var probe = new Probe(manualTime: true);
        var attempts = new StrongBox<int>(0);
        var spec = new ChildSpec
        {
            Id = "f",
            Start = (sup, _) =>
            {
                if (Interlocked.Increment(ref attempts.Value) == 1)
                {
                    return GenServer.StartLinkAsync(sup, () => new Worker("f", probe.Log, new()));
                }

                return new(StartResult.Fail(ExitReason.Of("cannot")));
            },
        };
        var sup = await probe.StartSupervisorAsync(new SupervisorFlags { Intensity = maxR }, spec);
        Node.Exit(await Probe.ChildPid(sup, "f"), ExitReason.Kill);
        Assert.Equal(ExitReason.Shutdown, await Probe.ExitOf(sup));
        Assert.Equal(1 + maxR, attempts.Value);
    }

    [Fact]
    public async Task GivingUp_StopsRemainingChildrenInReverseOrder()
    {
        await using var probe = new Probe(manualTime: true);
        var trap = new WorkerOptions { TrapExit = true };
        var sup = await probe.StartSupervisorAsync(
            new SupervisorFlags { Intensity = 0 },
            Worker.Spec("a", probe.Log, trap),
            Worker.Spec("b", probe.Log, trap),
            Worker.Spec("c", probe.Log, trap));
        probe.Log.Clear();
        Node.Exit(await Probe.ChildPid(sup, "b"), ExitReason.Kill);
        Assert.Equal(ExitReason.Shutdown, await Probe.ExitOf(sup));
        Assert.Equal(["stop c", "stop a"], probe.Log.Snapshot());
        Assert.Equal(0, probe.Node.ProcessCount);
    }

    [Fact]
    public async Task ManualRestartAndStartChild_DoNotCount()
    {
        await using var probe = new Probe(manualTime: true);
        var sup = await probe.StartSupervisorAsync(new SupervisorFlags { Intensity = 1 }, Worker.Spec("a", probe.Log));
        for (var i = 0; i < 3; i++)
        {
            await Supervisor.TerminateChildAsync(sup, "a");
            Assert.True((await Supervisor.RestartChildAsync(sup, "a")).IsOk);
        }

        await Probe.KillAndSync(sup, await Probe.ChildPid(sup, "a"));
        Assert.True(sup.IsAlive);
    }
}
