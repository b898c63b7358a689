using Trellis.Tests.Fakes;

namespace Trellis.Tests;

/// <summary>Elixir's DynamicSupervisor.</summary>
public class DynamicSupervisorTests
{
    private static async Task<Pid> Start(Probe probe, DynamicSupervisorOptions? options = null)
    {
        var result = await DynamicSupervisor.StartAsync(probe.Node, options);
        Assert.True(result.IsOk, result.ToString());
        return result.Pid;
    }

    [Fact]
    public async Task StartChild_WhichAndCount()
    {
        await using var probe = new Probe();
        var sup = await Start(probe);
        var a = await DynamicSupervisor.StartChildAsync(sup, Worker.Spec("a", probe.Log));
        var b = await DynamicSupervisor.StartChildAsync(sup, ChildSpec.ForDynamicSupervisor("b"));
        Assert.True(a.IsOk && b.IsOk);
        var children = await DynamicSupervisor.WhichChildrenAsync(sup);
        Assert.All(children, c => Assert.Null(c.Id));
        Assert.Equal(new[] { a.Pid, b.Pid }.OrderBy(p => p.Id), children.Select(c => c.Pid).OrderBy(p => p.Id));
        Assert.Equal(new ChildCounts(2, 2, 1, 1), await DynamicSupervisor.CountChildrenAsync(sup));
    }

    [Fact]
    public async Task TerminateChild_ByPid_NotFoundForDeadOrUnknown()
    {
        await using var probe = new Probe();
        var sup = await Start(probe);
        var a = (await DynamicSupervisor.StartChildAsync(sup, Worker.Spec("a", probe.Log))).Pid;
        Assert.True((await DynamicSupervisor.TerminateChildAsync(sup, a)).IsOk);
        Assert.False(a.IsAlive);
        Assert.Equal(SupervisorErrors.NotFound, (await DynamicSupervisor.TerminateChildAsync(sup, a)).Error);
        Assert.Equal(new ChildCounts(0, 0, 0, 0), await DynamicSupervisor.CountChildrenAsync(sup));
    }

    [Fact]
    public async Task MaxChildren_RefusesBeyondTheLimit()
    {
        await using var probe = new Probe();
        var sup = await Start(probe, new DynamicSupervisorOptions { MaxChildren = 1 });
        Assert.True((await DynamicSupervisor.StartChildAsync(sup, Worker.Spec("a", probe.Log))).IsOk);
        Assert.Equal(SupervisorErrors.MaxChildren, (await DynamicSupervisor.StartChildAsync(sup, Worker.Spec("b", probe.Log))).Error);
    }

    [Fact]
    public async Task ExtraArguments_ArePrepended()
    {
        await using var probe = new Probe();
        var sup = await Start(probe, new DynamicSupervisorOptions { ExtraArguments = ["x", "y"] });
        var spec = new ChildSpec
        {
            Id = "r",
            Arguments = ["z"],
            Start = (s, args) =>
            {
                probe.Log.Add(string.Join(",", args));
                return GenServer.StartLinkAsync(s, () => new Worker("r", probe.Log, new()));
            },
        };
        await DynamicSupervisor.StartChildAsync(sup, spec);
        Assert.Equal("x,y,z", probe.Log.Snapshot()[0]);
    }

    [Fact]
    public async Task Restarts_FollowTheTable_AndIgnoreOnRestartRemovesTheChild()
    {
        await using var probe = new Probe();
        var sup = await Start(probe);
        var permanent = (await DynamicSupervisor.StartChildAsync(sup, Worker.Spec("p", probe.Log))).Pid;
        var temporary = (await DynamicSupervisor.StartChildAsync(sup, Worker.Spec("t", probe.Log, restart: RestartType.Temporary))).Pid;
        await Probe.KillAndSync(sup, permanent);
        await Probe.KillAndSync(sup, temporary);
        var child = Assert.Single(await DynamicSupervisor.WhichChildrenAsync(sup));
        Assert.NotEqual(permanent, child.Pid);
        Assert.Equal(1, child.Restarts);

        var ignoreNext = false;
        var flaky = new ChildSpec { Id = "f", Start = (s, _) => ignoreNext ? new(StartResult.Ignore) : GenServer.StartLinkAsync(s, () => new Worker("f", probe.Log, new())) };
        var f = (await DynamicSupervisor.StartChildAsync(sup, flaky)).Pid;
        ignoreNext = true;
        await Probe.KillAndSync(sup, f);
        Assert.Single(await DynamicSupervisor.WhichChildrenAsync(sup));
        Assert.True((await DynamicSupervisor.StartChildAsync(sup, flaky)).IsIgnore);
    }

    [Fact]
    public async Task Shutdown_IsParallel_WithOneDeadlinePerShutdownValue()
    {
        await using var probe = new Probe(manualTime: true);
        var sup = await Start(probe);
        var stubborn = new WorkerOptions { TrapExit = true, IgnoreShutdown = true };
        var pids = new List<Pid>();
        for (var i = 0; i < 3; i++)
        {
            pids.Add((await DynamicSupervisor.StartChildAsync(sup, Worker.Spec("s" + i, probe.Log, stubborn) with { Shutdown = Shutdown.AfterMilliseconds(300) })).Pid);
        }

        var stop = DynamicSupervisor.StopAsync(sup, ExitReason.Shutdown);
        await probe.Log.WaitUntilAsync(e => e.Count(x => x.StartsWith("stop", StringComparison.Ordinal)) == 3);
        await probe.Time!.WaitForTimersAsync();
        Assert.Equal(1, probe.Time.ActiveTimers);
        probe.Time.Advance(TimeSpan.FromMilliseconds(300));
        Assert.Equal(ExitReason.Shutdown, await stop.WaitAsync(Probe.Deadline));
        foreach (var pid in pids)
        {
            Assert.Equal(ExitReason.Killed, await Probe.ExitOf(pid));
        }
    }

    [Fact]
    public async Task InvalidOptionsAndSpecs_AreErrors()
    {
        await using var probe = new Probe();
        Assert.Equal("{supervisor_data,{invalid_intensity,-1}}", (await DynamicSupervisor.StartAsync(probe.Node, new DynamicSupervisorOptions { MaxRestarts = -1 })).Error!.ToString());
        var sup = await Start(probe);
        Assert.Equal("missing_start", (await DynamicSupervisor.StartChildAsync(sup, new ChildSpec { Id = "x", Start = null! })).Error!.ToString());
        Assert.Equal("{invalid_significant,true}", (await DynamicSupervisor.StartChildAsync(sup, Worker.Spec("s", probe.Log, restart: RestartType.Transient) with { Significant = true })).Error!.ToString());
    }

    [Fact]
    public async Task IntensityExceeded_StopsAllChildren()
    {
        await using var probe = new Probe(manualTime: true);
        var sup = await Start(probe, new DynamicSupervisorOptions { MaxRestarts = 1 });
        var a = (await DynamicSupervisor.StartChildAsync(sup, Worker.Spec("a", probe.Log))).Pid;
        var b = (await DynamicSupervisor.StartChildAsync(sup, Worker.Spec("b", probe.Log))).Pid;
        await Probe.KillAndSync(sup, a);
        Node.Exit(b, ExitReason.Kill);
        Assert.Equal(ExitReason.Shutdown, await Probe.ExitOf(sup));
        Assert.Equal(0, probe.Node.ProcessCount);
    }

    private sealed class Callback(DynamicSupervisorInit? answer) : DynamicSupervisorModule
    {
        public object? Argument { get; private set; }

        public override DynamicSupervisorInit? Init(object? argument)
        {
            Argument = argument;
            return answer;
        }
    }

    [Fact]
    public async Task CallbackModule_InitGivesTheOptions_IgnoreOrABadReturn()
    {
        await using var probe = new Probe();
        var module = new Callback(DynamicSupervisorInit.Ok(new DynamicSupervisorOptions { MaxChildren = 1 }));
        var started = await DynamicSupervisor.StartAsync(probe.Node, module, "arg", new GenServerOptions { Name = "dyn" });
        Assert.True(started.IsOk, started.ToString());
        Assert.Equal("arg", module.Argument);
        Assert.Equal(started.Pid, probe.Node.WhereIs("dyn"));
        Assert.True((await DynamicSupervisor.StartChildAsync(started.Pid, Worker.Spec("a", probe.Log))).IsOk);
        Assert.Equal(SupervisorErrors.MaxChildren, (await DynamicSupervisor.StartChildAsync(started.Pid, Worker.Spec("b", probe.Log))).Error);

        Assert.True((await DynamicSupervisor.StartAsync(probe.Node, new Callback(DynamicSupervisorInit.Ignore))).IsIgnore);
        Assert.Equal("{error,{bad_return,{Callback,init,undefined}}}", (await DynamicSupervisor.StartAsync(probe.Node, new Callback(null))).ToString());
        var invalid = await DynamicSupervisor.StartAsync(probe.Node, new Callback(DynamicSupervisorInit.Ok(new DynamicSupervisorOptions { MaxRestarts = -1 })));
        Assert.Equal("{error,{supervisor_data,{invalid_intensity,-1}}}", invalid.ToString());
    }

    [Fact]
    public async Task ViaName_RegistersInARegistry_AndIsFreeAgainWhenItExits()
    {
        await using var probe = new Probe();
        Assert.True((await Registry.StartAsync(probe.Node, new RegistryOptions { Name = "names" })).IsOk);
        var via = Registry.Via("names", "buckets");
        var started = await DynamicSupervisor.StartAsync(probe.Node, new DynamicSupervisorOptions { Via = via });
        Assert.True(started.IsOk, started.ToString());
        Assert.Equal(started.Pid, Registry.WhereIs(probe.Node, "names", "buckets"));
        var again = await DynamicSupervisor.StartAsync(probe.Node, new DynamicSupervisorOptions { Via = via });
        Assert.Equal(SupervisorErrors.AlreadyStarted(started.Pid), again.Error);
        await DynamicSupervisor.StopAsync(started.Pid);
        Assert.True((await DynamicSupervisor.StartAsync(probe.Node, new DynamicSupervisorOptions { Via = via })).IsOk);
    }

    [Fact]
    public async Task StartChild_ValidatesTheSpecBeforeCallingTheSupervisor()
    {
        await using var probe = new Probe();
        var sup = await Start(probe);
        await DynamicSupervisor.StopAsync(sup);
        Assert.Equal(ExitReason.Atom("missing_start"), (await DynamicSupervisor.StartChildAsync(sup, new ChildSpec { Id = "x", Start = null! })).Error);
        var significant = Worker.Spec("s", probe.Log, restart: RestartType.Transient) with { Significant = true };
        Assert.Equal("{invalid_significant,true}", (await DynamicSupervisor.StartChildAsync(sup, significant)).Error!.ToString());
        var noproc = await Assert.ThrowsAsync<CallException>(async () => await DynamicSupervisor.StartChildAsync(sup, Worker.Spec("a", probe.Log)));
        Assert.Equal(ExitReason.NoProc, noproc.Reason);
    }
}
