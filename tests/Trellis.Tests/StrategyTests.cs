using System.Runtime.CompilerServices;
using Trellis.Tests.Fakes;

namespace Trellis.Tests;

/// <summary>The strategies: who is restarted, and in what order.</summary>
public class StrategyTests
{
    private static readonly WorkerOptions Trapping = new() { TrapExit = true };

    private static async Task<(Pid Sup, Dictionary<string, Pid> Pids)> StartAbcd(Probe probe, Strategy strategy)
    {
        var sup = await probe.StartSupervisorAsync(
            new SupervisorFlags { Strategy = strategy, Intensity = 10 },
            Worker.Spec("a", probe.Log, Trapping),
            Worker.Spec("b", probe.Log, Trapping),
            Worker.Spec("c", probe.Log, Trapping),
            Worker.Spec("d", probe.Log, Trapping));
        Assert.Equal(["start a", "start b", "start c", "start d"], probe.Log.Snapshot());
        probe.Log.Clear();
        return (sup, await Pids(sup));
    }

    private static async Task<Dictionary<string, Pid>> Pids(Pid sup) =>
        (await Supervisor.WhichChildrenAsync(sup)).ToDictionary(c => (string)c.Id!, c => c.Pid);

    [Fact]
    public async Task OneForOne_RestartsOnlyTheChild()
    {
        await using var probe = new Probe();
        var (sup, before) = await StartAbcd(probe, Strategy.OneForOne);
        await Probe.KillAndSync(sup, before["b"]);
        Assert.Equal(["start b"], probe.Log.Snapshot());
        var after = await Pids(sup);
        Assert.NotEqual(before["b"], after["b"]);
        Assert.All(["a", "c", "d"], id => Assert.Equal(before[id], after[id]));
    }

    [Fact]
    public async Task OneForAll_StopsOthersInReverseThenStartsAllInOrder()
    {
        await using var probe = new Probe();
        var (sup, before) = await StartAbcd(probe, Strategy.OneForAll);
        await Probe.KillAndSync(sup, before["b"]);
        Assert.Equal(["stop d", "stop c", "stop a", "start a", "start b", "start c", "start d"], probe.Log.Snapshot());
        var after = await Pids(sup);
        Assert.All(["a", "b", "c", "d"], id => Assert.NotEqual(before[id], after[id]));
    }

    [Fact]
    public async Task RestForOne_RestartsTheChildAndThoseAfterIt()
    {
        await using var probe = new Probe();
        var (sup, before) = await StartAbcd(probe, Strategy.RestForOne);
        await Probe.KillAndSync(sup, before["b"]);
        Assert.Equal(["stop d", "stop c", "start b", "start c", "start d"], probe.Log.Snapshot());
        var after = await Pids(sup);
        Assert.Equal(before["a"], after["a"]);
    }

    [Fact]
    public async Task WhichChildren_ListsNewestFirst()
    {
        await using var probe = new Probe();
        var (sup, _) = await StartAbcd(probe, Strategy.OneForOne);
        Assert.Equal(["d", "c", "b", "a"], (await Supervisor.WhichChildrenAsync(sup)).Select(c => (string)c.Id!));
    }

    [Theory]
    [InlineData(Strategy.OneForAll)]
    [InlineData(Strategy.RestForOne)]
    public async Task GroupRestart_AlsoStartsStoppedSiblings(Strategy strategy)
    {
        await using var probe = new Probe();
        var (sup, before) = await StartAbcd(probe, strategy);
        Assert.True((await Supervisor.TerminateChildAsync(sup, "c")).IsOk);
        await Probe.KillAndSync(sup, before["a"]);
        var c = (await Supervisor.WhichChildrenAsync(sup)).Single(x => (string)x.Id! == "c");
        Assert.Equal(ChildStatus.Running, c.Status);
    }

    [Fact]
    public async Task OneForOne_LeavesStoppedSiblingsStopped()
    {
        await using var probe = new Probe();
        var (sup, before) = await StartAbcd(probe, Strategy.OneForOne);
        await Supervisor.TerminateChildAsync(sup, "c");
        await Probe.KillAndSync(sup, before["a"]);
        Assert.Equal(ChildStatus.Undefined, (await Supervisor.WhichChildrenAsync(sup)).Single(x => (string)x.Id! == "c").Status);
    }

    [Fact]
    public async Task OneForAll_TemporaryBystander_IsStoppedAndRemoved()
    {
        await using var probe = new Probe();
        var sup = await probe.StartSupervisorAsync(
            new SupervisorFlags { Strategy = Strategy.OneForAll, Intensity = 10 },
            Worker.Spec("a", probe.Log),
            Worker.Spec("t", probe.Log, restart: RestartType.Temporary));
        await Probe.KillAndSync(sup, await Probe.ChildPid(sup, "a"));
        Assert.Equal(["a"], (await Supervisor.WhichChildrenAsync(sup)).Select(c => (string)c.Id!));
    }

    /// <summary>A start function that fails while <paramref name="failures"/> is positive, counting down.</summary>
    private static ChildSpec Flaky(string id, EventLog log, StrongBox<int> failures) => new()
    {
        Id = id,
        Start = (sup, _) =>
        {
            if (failures.Value > 0)
            {
                failures.Value--;
                log.Add("fail " + id);
                return new(StartResult.Fail(ExitReason.Of("not_now")));
            }

            return GenServer.StartLinkAsync(sup, () => new Worker(id, log, Trapping));
        },
    };

    [Fact]
    public async Task OneForAll_FailedRestart_RetryRestartsTheWholeGroupAgain()
    {
        await using var probe = new Probe();
        var failures = new StrongBox<int>(0);
        var sup = await probe.StartSupervisorAsync(
            new SupervisorFlags { Strategy = Strategy.OneForAll, Intensity = 10 },
            Worker.Spec("a", probe.Log, Trapping),
            Flaky("b", probe.Log, failures),
            Worker.Spec("c", probe.Log, Trapping));
        probe.Log.Clear();
        failures.Value = 1;
        await Probe.KillAndSync(sup, await Probe.ChildPid(sup, "c"));
        await probe.Log.WaitForAsync("start c");
        await Supervisor.CountChildrenAsync(sup);
        Assert.Equal(["stop b", "stop a", "start a", "fail b", "stop a", "start a", "start b", "start c"], probe.Log.Snapshot());
    }

    [Fact]
    public async Task RestForOne_FailedRestart_RetryRestartsOnlyTheFailedChildAndAfter()
    {
        await using var probe = new Probe();
        var failures = new StrongBox<int>(0);
        var sup = await probe.StartSupervisorAsync(
            new SupervisorFlags { Strategy = Strategy.RestForOne, Intensity = 10 },
            Worker.Spec("a", probe.Log, Trapping),
            Worker.Spec("b", probe.Log, Trapping),
            Flaky("c", probe.Log, failures),
            Worker.Spec("d", probe.Log, Trapping));
        probe.Log.Clear();
        failures.Value = 1;
        await Probe.KillAndSync(sup, await Probe.ChildPid(sup, "b"));
        await probe.Log.WaitForAsync("start d");
        Assert.Equal(["stop d", "stop c", "start b", "fail c", "start c", "start d"], probe.Log.Snapshot());
    }

    [Fact]
    public async Task OneForOne_RestartReturningIgnore_LeavesChildUndefined()
    {
        await using var probe = new Probe();
        var ignoreNext = new StrongBox<bool>(false);
        var spec = new ChildSpec
        {
            Id = "i",
            Start = (sup, _) => ignoreNext.Value ? new(StartResult.Ignore) : GenServer.StartLinkAsync(sup, () => new Worker("i", probe.Log, new())),
        };
        var sup = await probe.StartSupervisorAsync(new SupervisorFlags { Intensity = 10 }, spec);
        ignoreNext.Value = true;
        await Probe.KillAndSync(sup, await Probe.ChildPid(sup, "i"));
        Assert.Equal(ChildStatus.Undefined, Assert.Single(await Supervisor.WhichChildrenAsync(sup)).Status);
        Assert.True(sup.IsAlive);
    }
}
