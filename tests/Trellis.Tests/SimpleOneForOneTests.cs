using Trellis.Tests.Fakes;

namespace Trellis.Tests;

/// <summary>simple_one_for_one as seed 001 describes it.</summary>
public class SimpleOneForOneTests
{
    private static ChildSpec Template(EventLog log) => new()
    {
        Id = "add2",
        Arguments = ["base"],
        Shutdown = Shutdown.BrutalKill,
        Start = (sup, args) =>
        {
            log.Add(string.Join(",", args));
            return GenServer.StartLinkAsync(sup, () => new Worker("add2", log, new()));
        },
    };

    private static Task<Pid> Start(Probe probe) =>
        probe.StartSupervisorAsync(new SupervisorFlags { Strategy = Strategy.SimpleOneForOne, Intensity = 2, Period = TimeSpan.FromSeconds(100) }, Template(probe.Log));

    [Fact]
    public async Task StartsWithNoChildren_ChildrenComeFromTheTemplateWithArgsAppended()
    {
        await using var probe = new Probe();
        var sup = await Start(probe);
        Assert.Equal(new ChildCounts(1, 0, 0, 0), await Supervisor.CountChildrenAsync(sup));
        var child = await Supervisor.StartChildAsync(sup, ["extra"]);
        Assert.True(child.IsOk);
        Assert.Equal("base,extra", probe.Log.Snapshot()[0]);
        Assert.Equal(new ChildCounts(1, 1, 0, 1), await Supervisor.CountChildrenAsync(sup));
        var info = Assert.Single(await Supervisor.WhichChildrenAsync(sup));
        Assert.Null(info.Id);
        Assert.Equal(child.Pid, info.Pid);
        Assert.Equal("add2", (await Supervisor.GetChildSpecAsync(sup, child.Pid))!.Id);
    }

    [Fact]
    public async Task TerminateChild_ByPidOnly_DeadPidIsOk()
    {
        await using var probe = new Probe();
        var sup = await Start(probe);
        var child = (await Supervisor.StartChildAsync(sup, [])).Pid;
        Assert.Equal(SupervisorErrors.SimpleOneForOne, (await Supervisor.TerminateChildAsync(sup, "add2")).Error);
        Assert.True((await Supervisor.TerminateChildAsync(sup, child)).IsOk);
        Assert.True((await Supervisor.TerminateChildAsync(sup, child)).IsOk);
        Assert.Empty(await Supervisor.WhichChildrenAsync(sup));
        var stranger = probe.Node.Spawn(async ctx => await ctx.ReceiveAsync());
        Assert.Equal(SupervisorErrors.NotFound, (await Supervisor.TerminateChildAsync(sup, stranger)).Error);
        Node.Exit(stranger, ExitReason.Kill);
    }

    [Fact]
    public async Task DeleteRestartAndStaticStartChild_AreNotForSimple()
    {
        await using var probe = new Probe();
        var sup = await Start(probe);
        Assert.Equal(SupervisorErrors.SimpleOneForOne, (await Supervisor.DeleteChildAsync(sup, "add2")).Error);
        Assert.Equal(SupervisorErrors.SimpleOneForOne, (await Supervisor.RestartChildAsync(sup, "add2")).Error);
        Assert.Equal(SupervisorErrors.SimpleOneForOne, (await Supervisor.StartChildAsync(sup, Template(probe.Log))).Error);
    }

    [Fact]
    public async Task CrashedChild_IsRestartedWithTheSameArguments_UntilIntensity()
    {
        await using var probe = new Probe();
        var sup = await Start(probe);
        var child = (await Supervisor.StartChildAsync(sup, ["x"])).Pid;
        await Probe.KillAndSync(sup, child);
        Assert.Equal(["base,x", "start add2", "base,x", "start add2"], probe.Log.Snapshot());
        await Probe.KillAndSync(sup, (await Supervisor.WhichChildrenAsync(sup)).Single().Pid);
        Node.Exit((await Supervisor.WhichChildrenAsync(sup)).Single().Pid, ExitReason.Kill);
        Assert.Equal(ExitReason.Shutdown, await Probe.ExitOf(sup));
    }
}
