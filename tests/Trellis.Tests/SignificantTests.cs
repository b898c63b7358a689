using Trellis.Tests.Fakes;

namespace Trellis.Tests;

/// <summary>Significant children and auto_shutdown.</summary>
public class SignificantTests
{
    private static ChildSpec Sig(string id, EventLog log, RestartType restart = RestartType.Transient) =>
        Worker.Spec(id, log, restart: restart) with { Significant = true };

    [Fact]
    public async Task AnySignificant_TransientNormalExit_ShutsSupervisorDown()
    {
        await using var probe = new Probe();
        var sup = await probe.StartSupervisorAsync(new SupervisorFlags { AutoShutdown = AutoShutdown.AnySignificant }, Worker.Spec("w", probe.Log), Sig("s", probe.Log));
        await GenServer.CallAsync(await Probe.ChildPid(sup, "s"), ExitReason.Normal);
        Assert.Equal(ExitReason.Shutdown, await Probe.ExitOf(sup));
    }

    [Fact]
    public async Task AllSignificant_OnlyWhenTheLastSignificantExits()
    {
        await using var probe = new Probe();
        var sup = await probe.StartSupervisorAsync(new SupervisorFlags { AutoShutdown = AutoShutdown.AllSignificant }, Sig("a", probe.Log, RestartType.Temporary), Sig("b", probe.Log));
        await GenServer.CallAsync(await Probe.ChildPid(sup, "a"), ExitReason.Of("any reason"));
        await Supervisor.CountChildrenAsync(sup);
        Assert.True(sup.IsAlive);
        await GenServer.CallAsync(await Probe.ChildPid(sup, "b"), ExitReason.Shutdown);
        Assert.Equal(ExitReason.Shutdown, await Probe.ExitOf(sup));
    }

    [Fact]
    public async Task TerminateChildOfSignificant_DoesNotShutDown()
    {
        await using var probe = new Probe();
        var sup = await probe.StartSupervisorAsync(new SupervisorFlags { AutoShutdown = AutoShutdown.AnySignificant }, Sig("s", probe.Log));
        Assert.True((await Supervisor.TerminateChildAsync(sup, "s")).IsOk);
        Assert.True(sup.IsAlive);
    }

    [Fact]
    public async Task TransientSignificantCrash_IsRestartedNotShutDown()
    {
        await using var probe = new Probe();
        var sup = await probe.StartSupervisorAsync(new SupervisorFlags { AutoShutdown = AutoShutdown.AnySignificant, Intensity = 5 }, Sig("s", probe.Log));
        await Probe.KillAndSync(sup, await Probe.ChildPid(sup, "s"));
        Assert.True(sup.IsAlive);
        Assert.Equal(2, probe.Log.Count("start s"));
    }

    [Fact]
    public async Task SignificantBystanderOfGroupRestart_DoesNotShutDown()
    {
        await using var probe = new Probe();
        var sup = await probe.StartSupervisorAsync(
            new SupervisorFlags { Strategy = Strategy.OneForAll, AutoShutdown = AutoShutdown.AnySignificant, Intensity = 5 },
            Worker.Spec("w", probe.Log),
            Sig("s", probe.Log, RestartType.Temporary));
        await Probe.KillAndSync(sup, await Probe.ChildPid(sup, "w"));
        Assert.True(sup.IsAlive);
    }

    [Fact]
    public async Task Significant_WithNeverOrPermanent_IsRejected()
    {
        await using var probe = new Probe();
        var never = await Supervisor.StartAsync(probe.Node, [Sig("s", probe.Log)]);
        Assert.Equal("{start_spec,{bad_combination,[{auto_shutdown,never},{significant,true}]}}", never.Error!.ToString());
        var permanent = await Supervisor.StartAsync(probe.Node, [Sig("s", probe.Log, RestartType.Permanent)], new SupervisorFlags { AutoShutdown = AutoShutdown.AnySignificant });
        Assert.Equal("{start_spec,{bad_combination,[{restart,permanent},{significant,true}]}}", permanent.Error!.ToString());
    }

    [Fact]
    public async Task AutoShutdownEscalates_ThroughSignificantChildSupervisor()
    {
        await using var probe = new Probe();
        var inner = ChildSpec.ForSupervisor("inner", new SupervisorFlags { AutoShutdown = AutoShutdown.AnySignificant }, [Sig("s", probe.Log)])
            with { Restart = RestartType.Transient, Significant = true };
        var top = await probe.StartSupervisorAsync(new SupervisorFlags { AutoShutdown = AutoShutdown.AnySignificant }, inner);
        var innerPid = await Probe.ChildPid(top, "inner");
        await GenServer.CallAsync(await Probe.ChildPid(innerPid, "s"), ExitReason.Normal);
        Assert.Equal(ExitReason.Shutdown, await Probe.ExitOf(top));
    }
}
