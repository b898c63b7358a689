using Trellis.Tests.Fakes;

namespace Trellis.Tests;

/// <summary>Links, monitors and exit signals, one test per behaviour.</summary>
public class LinkMonitorTests
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Pid, TaskCompletionSource> Trapping = new();

    private static Pid Idle(Node node, bool trap = false, TaskCompletionSource<object>? inbox = null)
    {
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pid = node.Spawn(async ctx =>
        {
            ctx.TrapExit = trap;
            ready.SetResult();
            var message = await ctx.ReceiveAsync();
            inbox?.TrySetResult(message);
            await ctx.ReceiveAsync();
        });
        Trapping[pid] = ready;
        return pid;
    }

    /// <summary>Spawns a process that runs <paramref name="body"/> after linking to <paramref name="partner"/>.</summary>
    private static Pid Linked(Node node, Pid partner, Func<ProcessContext, ValueTask> body) =>
        node.Spawn(async ctx =>
        {
            ctx.Link(partner);
            await body(ctx);
        });

    [Fact]
    public async Task LinkedExit_Abnormal_KillsNonTrappingPartnerWithSameReason()
    {
        await using var probe = new Probe();
        var partner = Idle(probe.Node);
        var ready = new TaskCompletionSource();
        var crasher = Linked(probe.Node, partner, async ctx =>
        {
            await ready.Task;
            throw new ExitException(ExitReason.Of("boom"));
        });
        ready.SetResult();
        Assert.Equal(ExitReason.Of("boom"), await Probe.ExitOf(crasher));
        Assert.Equal(ExitReason.Of("boom"), await Probe.ExitOf(partner));
    }

    [Fact]
    public async Task LinkedExit_Normal_IsIgnoredByNonTrappingPartner()
    {
        await using var probe = new Probe();
        var partner = Idle(probe.Node);
        var done = Linked(probe.Node, partner, _ => ValueTask.CompletedTask);
        Assert.Equal(ExitReason.Normal, await Probe.ExitOf(done));
        Assert.True(partner.IsAlive);
        Node.Exit(partner, ExitReason.Kill);
    }

    [Fact]
    public async Task LinkedExit_Normal_ArrivesAsMessageAtTrappingPartner()
    {
        await using var probe = new Probe();
        var inbox = new TaskCompletionSource<object>();
        var partner = Idle(probe.Node, trap: true, inbox);
        await WaitTrapping(partner);
        var done = Linked(probe.Node, partner, _ => ValueTask.CompletedTask);
        var message = Assert.IsType<ExitMessage>(await inbox.Task.WaitAsync(Probe.Deadline));
        Assert.Equal(done, message.From);
        Assert.Equal(ExitReason.Normal, message.Reason);
    }

    [Fact]
    public async Task ExitNormal_ToTrappingProcessWithoutLink_IsDeliveredAsMessage()
    {
        await using var probe = new Probe();
        var inbox = new TaskCompletionSource<object>();
        var target = Idle(probe.Node, trap: true, inbox);
        await WaitTrapping(target);
        Node.Exit(target, ExitReason.Normal);
        Assert.Equal(new ExitMessage(Pid.None, ExitReason.Normal), await inbox.Task.WaitAsync(Probe.Deadline));
    }

    [Fact]
    public async Task ExitNormal_ToSelf_Terminates()
    {
        await using var probe = new Probe();
        var pid = probe.Node.Spawn(async ctx =>
        {
            ctx.Exit(ctx.Self, ExitReason.Normal);
            await ctx.ReceiveAsync();
        });
        Assert.Equal(ExitReason.Normal, await Probe.ExitOf(pid));
    }

    [Fact]
    public async Task ExitKill_IsUntrappable_AndGivesKilled()
    {
        await using var probe = new Probe();
        var target = Idle(probe.Node, trap: true);
        await WaitTrapping(target);
        Node.Exit(target, ExitReason.Kill);
        Assert.Equal(ExitReason.Killed, await Probe.ExitOf(target));
    }

    [Fact]
    public async Task KillOverLink_IsTrappable_AndArrivesAsKill()
    {
        await using var probe = new Probe();
        var inbox = new TaskCompletionSource<object>();
        var partner = Idle(probe.Node, trap: true, inbox);
        await WaitTrapping(partner);
        var linked = Linked(probe.Node, partner, _ => throw new ExitException(ExitReason.Kill));
        var message = Assert.IsType<ExitMessage>(await inbox.Task.WaitAsync(Probe.Deadline));
        Assert.Equal(ExitReason.Kill, message.Reason);
        Assert.Equal(linked, message.From);
    }

    [Fact]
    public async Task KilledOverLink_KillsNonTrappingPartnerWithKilled()
    {
        await using var probe = new Probe();
        var partner = Idle(probe.Node);
        var started = new TaskCompletionSource();
        var victim = Linked(probe.Node, partner, async ctx =>
        {
            started.SetResult();
            await ctx.ReceiveAsync();
        });
        await started.Task.WaitAsync(Probe.Deadline);
        Node.Exit(victim, ExitReason.Kill);
        Assert.Equal(ExitReason.Killed, await Probe.ExitOf(partner));
    }

    [Fact]
    public async Task Links_AreIdempotent_OneUnlinkRemovesThem()
    {
        await using var probe = new Probe();
        var partner = Idle(probe.Node);
        var result = new TaskCompletionSource<int>();
        var pid = probe.Node.Spawn(async ctx =>
        {
            ctx.Link(partner);
            ctx.Link(partner);
            ctx.Unlink(partner);
            result.SetResult(Node.GetProcessInfo(ctx.Self)!.Links.Count);
            throw new ExitException(ExitReason.Of("crash"));
        });
        Assert.Equal(0, await result.Task.WaitAsync(Probe.Deadline));
        await Probe.ExitOf(pid);
        Assert.True(partner.IsAlive);
        Node.Exit(partner, ExitReason.Kill);
    }

    [Fact]
    public async Task LinkToDeadProcess_NonTrapping_ExitsWithNoproc()
    {
        await using var probe = new Probe();
        var dead = probe.Node.Spawn(_ => ValueTask.CompletedTask);
        await Probe.ExitOf(dead);
        var pid = probe.Node.Spawn(ctx =>
        {
            ctx.Link(dead);
            return ValueTask.CompletedTask;
        });
        Assert.Equal(ExitReason.NoProc, await Probe.ExitOf(pid));
    }

    [Fact]
    public async Task LinkToDeadProcess_Trapping_GetsExitNoprocMessage()
    {
        await using var probe = new Probe();
        var dead = probe.Node.Spawn(_ => ValueTask.CompletedTask);
        await Probe.ExitOf(dead);
        var got = new TaskCompletionSource<object>();
        probe.Node.Spawn(async ctx =>
        {
            ctx.TrapExit = true;
            ctx.Link(dead);
            got.SetResult(await ctx.ReceiveAsync());
        });
        Assert.Equal(new ExitMessage(dead, ExitReason.NoProc), await got.Task.WaitAsync(Probe.Deadline));
    }

    [Fact]
    public async Task Monitors_Stack_EachGivesItsOwnDown()
    {
        await using var probe = new Probe();
        var target = Idle(probe.Node);
        var downs = new TaskCompletionSource<(MonitorRef, MonitorRef, DownMessage, DownMessage)>();
        probe.Node.Spawn(async ctx =>
        {
            var a = ctx.Monitor(target);
            var b = ctx.Monitor(target);
            ctx.Exit(target, ExitReason.Of("bye"));
            var d1 = (DownMessage)await ctx.ReceiveAsync();
            var d2 = (DownMessage)await ctx.ReceiveAsync();
            downs.SetResult((a, b, d1, d2));
        });
        var (a, b, d1, d2) = await downs.Task.WaitAsync(Probe.Deadline);
        Assert.Equal([a, b], new[] { d1.Ref, d2.Ref }.OrderBy(r => r == a ? 0 : 1));
        Assert.All(new[] { d1, d2 }, d => Assert.Equal(ExitReason.Of("bye"), d.Reason));
        Assert.Equal(target, d1.Pid);
    }

    [Fact]
    public async Task MonitorDeadProcess_GivesImmediateDownNoproc()
    {
        await using var probe = new Probe();
        var dead = probe.Node.Spawn(_ => ValueTask.CompletedTask);
        await Probe.ExitOf(dead);
        var got = new TaskCompletionSource<object>();
        probe.Node.Spawn(async ctx =>
        {
            ctx.Monitor(dead);
            got.SetResult(await ctx.ReceiveAsync());
        });
        var down = Assert.IsType<DownMessage>(await got.Task.WaitAsync(Probe.Deadline));
        Assert.Equal(ExitReason.NoProc, down.Reason);
    }

    [Fact]
    public async Task DemonitorFlush_RemovesQueuedDown()
    {
        await using var probe = new Probe();
        var target = probe.Node.Spawn(_ => ValueTask.CompletedTask);
        var got = new TaskCompletionSource<object?>();
        probe.Node.Spawn(async ctx =>
        {
            var monitor = ctx.Monitor(target);
            await Node.WaitForExitAsync(target);
            ctx.Demonitor(monitor, flush: true);
            got.SetResult(await ctx.ReceiveAsync(TimeSpan.Zero));
        });
        Assert.Null(await got.Task.WaitAsync(Probe.Deadline));
    }

    [Fact]
    public async Task SupervisorKilled_NonTrappingChildrenDieWithKilled()
    {
        await using var probe = new Probe();
        var children = new TaskCompletionSource<Pid>();
        var parent = probe.Node.Spawn(async ctx =>
        {
            children.SetResult(ctx.SpawnLink(async c => await c.ReceiveAsync()));
            await ctx.ReceiveAsync();
        });
        var child = await children.Task.WaitAsync(Probe.Deadline);
        Node.Exit(parent, ExitReason.Kill);
        Assert.Equal(ExitReason.Killed, await Probe.ExitOf(child));
    }

    [Fact]
    public async Task SpawnMonitor_GivesDownWithReason()
    {
        await using var probe = new Probe();
        var got = new TaskCompletionSource<(Pid, DownMessage)>();
        probe.Node.Spawn(async ctx =>
        {
            var (pid, _) = ctx.SpawnMonitor(_ => throw new ExitException(ExitReason.Of("x")));
            got.SetResult((pid, (DownMessage)await ctx.ReceiveAsync()));
        });
        var (child, down) = await got.Task.WaitAsync(Probe.Deadline);
        Assert.Equal(child, down.Pid);
        Assert.Equal(ExitReason.Of("x"), down.Reason);
    }

    [Fact]
    public async Task A_caller_that_saw_a_crash_finds_the_supervisor_past_the_restart()
    {
        // The links are signalled before callers and monitors hear of an exit: the supervisor has the EXIT in its
        // mailbox before the caller's CallException, so what the caller asks it next is answered after the restart.
        await using var probe = new Probe();
        var flags = new SupervisorFlags { Intensity = 1000, Period = TimeSpan.FromSeconds(60) };
        var sup = await probe.StartSupervisorAsync(flags, ChildSpec.ForServer("c", static () => new CrashOnCall(), name: "crash-on-call"));
        for (var i = 0; i < 300; i++)
        {
            var before = probe.Node.WhereIs("crash-on-call");
            await Assert.ThrowsAsync<CallException>(async () => await GenServer.CallAsync(before, "crash"));
            var lookup = await Supervisor.WhichChildAsync(sup, "c");
            Assert.True(lookup.IsOk, lookup.ToString());
            Assert.NotEqual(before, lookup.Child!.Pid);
            Assert.Equal(lookup.Child.Pid, probe.Node.WhereIs("crash-on-call"));
        }
    }

    private static Task WaitTrapping(Pid pid) => Trapping[pid].Task.WaitAsync(Probe.Deadline);

    private sealed class CrashOnCall : GenServer
    {
        protected override ServerResult HandleCall(object request, From from) => throw new InvalidOperationException("crash");
    }
}
