using Trellis.Tests.Fakes;

namespace Trellis.Tests;

/// <summary>Nested trees: a supervisor that gives up exits shutdown, and its parent applies the child's restart type.</summary>
public class EscalationTests
{
    private static ChildSpec Inner(Probe probe, RestartType restart) =>
        ChildSpec.ForSupervisor("inner", new SupervisorFlags { Intensity = 0 }, [Worker.Spec("w", probe.Log)]) with { Restart = restart };

    private static async Task<Pid> InnerWorker(Pid top)
    {
        var inner = await Probe.ChildPid(top, "inner");
        return await Probe.ChildPid(inner, "w");
    }

    [Fact]
    public async Task PermanentChildSupervisorGivingUp_IsRestartedByParent_CountingOnce()
    {
        await using var probe = new Probe(manualTime: true);
        var top = await probe.StartSupervisorAsync(new SupervisorFlags { Intensity = 1 }, Inner(probe, RestartType.Permanent));
        var innerBefore = await Probe.ChildPid(top, "inner");
        Node.Exit(await InnerWorker(top), ExitReason.Kill);
        Assert.Equal(ExitReason.Shutdown, await Probe.ExitOf(innerBefore));
        await Supervisor.CountChildrenAsync(top);
        var innerAfter = await Probe.ChildPid(top, "inner");
        Assert.NotEqual(innerBefore, innerAfter);
        Assert.Equal(2, probe.Log.Count("start w"));

        // The second escalation exceeds the top's intensity of 1: the whole tree goes.
        Node.Exit(await InnerWorker(top), ExitReason.Kill);
        Assert.Equal(ExitReason.Shutdown, await Probe.ExitOf(top));
        Assert.Equal(0, probe.Node.ProcessCount);
    }

    [Fact]
    public async Task TransientChildSupervisorGivingUp_IsNotRestarted()
    {
        await using var probe = new Probe(manualTime: true);
        var top = await probe.StartSupervisorAsync(new SupervisorFlags { Intensity = 1 }, Inner(probe, RestartType.Transient));
        var inner = await Probe.ChildPid(top, "inner");
        Node.Exit(await InnerWorker(top), ExitReason.Kill);
        await Probe.ExitOf(inner);
        await Supervisor.CountChildrenAsync(top);
        Assert.Equal(ChildStatus.Undefined, Assert.Single(await Supervisor.WhichChildrenAsync(top)).Status);
    }

    [Fact]
    public async Task SupervisorStopped_ExitsWithTheReasonItReceived_AfterStoppingChildren()
    {
        await using var probe = new Probe();
        var top = await probe.StartSupervisorAsync(new SupervisorFlags(), Worker.Spec("a", probe.Log, new WorkerOptions { TrapExit = true }));
        Node.Exit(top, ExitReason.ShutdownWith("custom"));
        Assert.Equal(ExitReason.ShutdownWith("custom"), await Probe.ExitOf(top));
        Assert.Equal(1, probe.Log.Count("stop a"));
    }

    [Fact]
    public async Task ExitFromNonChild_IsIgnoredBySupervisor()
    {
        await using var probe = new Probe();
        var top = await probe.StartSupervisorAsync(new SupervisorFlags(), Worker.Spec("a", probe.Log));
        var stranger = probe.Node.Spawn(ctx =>
        {
            ctx.Exit(top, ExitReason.Of("go away"));
            return ValueTask.CompletedTask;
        });
        await Probe.ExitOf(stranger);
        Assert.Equal(new ChildCounts(1, 1, 0, 1), await Supervisor.CountChildrenAsync(top));
    }
}
