using Trellis.Tests.Fakes;

namespace Trellis.Tests;

/// <summary>The shutdown protocol: brutal_kill, timeout then kill, infinity.</summary>
public class ShutdownTests
{
    private static readonly WorkerOptions Stubborn = new() { TrapExit = true, IgnoreShutdown = true };

    [Fact]
    public async Task BrutalKill_KillsAtOnce()
    {
        await using var probe = new Probe(manualTime: true);
        var sup = await probe.StartSupervisorAsync(new SupervisorFlags(), Worker.Spec("s", probe.Log, Stubborn) with { Shutdown = Shutdown.BrutalKill });
        var child = await Probe.ChildPid(sup, "s");
        Assert.True((await Supervisor.TerminateChildAsync(sup, "s")).IsOk);
        Assert.Equal(ExitReason.Killed, await Probe.ExitOf(child));
        Assert.Equal(0, probe.Log.Count("stop s"));
    }

    [Fact]
    public async Task Timeout_ChildIgnoringShutdownIsKilledWhenItPasses()
    {
        await using var probe = new Probe(manualTime: true);
        var sup = await probe.StartSupervisorAsync(new SupervisorFlags(), Worker.Spec("s", probe.Log, Stubborn) with { Shutdown = Shutdown.AfterMilliseconds(500) });
        var child = await Probe.ChildPid(sup, "s");
        var terminate = Supervisor.TerminateChildAsync(sup, "s").AsTask();
        await probe.Log.WaitForAsync("stop s");
        await probe.Time!.WaitForTimersAsync();
        probe.Time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.False(terminate.IsCompleted);
        Assert.True(child.IsAlive);
        probe.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True((await terminate.WaitAsync(Probe.Deadline)).IsOk);
        Assert.Equal(ExitReason.Killed, await Probe.ExitOf(child));
    }

    [Fact]
    public async Task Timeout_ObedientChildExitsWithShutdown()
    {
        await using var probe = new Probe();
        var sup = await probe.StartSupervisorAsync(new SupervisorFlags(), Worker.Spec("s", probe.Log, new WorkerOptions { TrapExit = true }));
        var child = await Probe.ChildPid(sup, "s");
        await Supervisor.TerminateChildAsync(sup, "s");
        Assert.Equal(ExitReason.Shutdown, await Probe.ExitOf(child));
        Assert.Equal(1, probe.Log.Count("stop s"));
    }

    [Fact]
    public async Task Infinity_WaitsUntilTheChildExits()
    {
        await using var probe = new Probe(manualTime: true);
        var sup = await probe.StartSupervisorAsync(new SupervisorFlags(), Worker.Spec("s", probe.Log, Stubborn) with { Shutdown = Shutdown.Infinity });
        var child = await Probe.ChildPid(sup, "s");
        var terminate = Supervisor.TerminateChildAsync(sup, "s").AsTask();
        await probe.Log.WaitForAsync("stop s");
        probe.Time!.Advance(TimeSpan.FromHours(1));
        Assert.False(terminate.IsCompleted);
        Assert.Equal(0, probe.Time.ActiveTimers);
        Node.Exit(child, ExitReason.Kill);
        Assert.True((await terminate.WaitAsync(Probe.Deadline)).IsOk);
    }

    [Fact]
    public async Task StaticChildren_AreStoppedOneAfterAnother()
    {
        await using var probe = new Probe(manualTime: true);
        var sup = await probe.StartSupervisorAsync(
            new SupervisorFlags(),
            Worker.Spec("a", probe.Log, Stubborn) with { Shutdown = Shutdown.AfterMilliseconds(300) },
            Worker.Spec("b", probe.Log, Stubborn) with { Shutdown = Shutdown.AfterMilliseconds(300) });
        probe.Log.Clear();
        var stop = Supervisor.StopAsync(sup);
        await probe.Log.WaitForAsync("stop b");
        await probe.Time!.WaitForTimersAsync();
        Assert.Equal(["stop b"], probe.Log.Snapshot());
        probe.Time.Advance(TimeSpan.FromMilliseconds(300));
        await probe.Log.WaitForAsync("stop a");
        await probe.Time.WaitForTimersAsync();
        probe.Time.Advance(TimeSpan.FromMilliseconds(300));
        Assert.Equal(ExitReason.Normal, await stop.WaitAsync(Probe.Deadline));
    }

    [Fact]
    public async Task ChildThatUnlinksItself_CannotHangTheSupervisor()
    {
        await using var probe = new Probe();
        var spec = ChildSpec.ForProcess("u", async ctx =>
        {
            var parent = Node.GetProcessInfo(ctx.Self)!.Links.Single();
            ctx.Unlink(parent);
            await ctx.ReceiveAsync();
        });
        var sup = await probe.StartSupervisorAsync(new SupervisorFlags(), spec);
        Assert.True((await Supervisor.TerminateChildAsync(sup, "u")).IsOk);
    }
}
