using Trellis.Tests.Fakes;

namespace Trellis.Tests;

/// <summary>The supervisor API: every call, every result.</summary>
public class SupervisorApiTests
{
    [Fact]
    public async Task StartChild_Results()
    {
        await using var probe = new Probe();
        var sup = await probe.StartSupervisorAsync(new SupervisorFlags(), Worker.Spec("a", probe.Log));
        var a = await Probe.ChildPid(sup, "a");

        var b = await Supervisor.StartChildAsync(sup, Worker.Spec("b", probe.Log));
        Assert.True(b.IsOk);
        Assert.Equal(["b", "a"], (await Supervisor.WhichChildrenAsync(sup)).Select(c => (string)c.Id!));

        Assert.Equal(SupervisorErrors.AlreadyStarted(a), (await Supervisor.StartChildAsync(sup, Worker.Spec("a", probe.Log))).Error);
        await Supervisor.TerminateChildAsync(sup, "a");
        Assert.Equal(SupervisorErrors.AlreadyPresent, (await Supervisor.StartChildAsync(sup, Worker.Spec("a", probe.Log))).Error);

        var ignored = await Supervisor.StartChildAsync(sup, new ChildSpec { Id = "i", Start = (_, _) => new(StartResult.Ignore) });
        Assert.True(ignored.IsOk);
        Assert.True(ignored.Pid.IsNone);
        Assert.Equal(ChildStatus.Undefined, (await Supervisor.WhichChildrenAsync(sup)).Single(c => (string)c.Id! == "i").Status);

        var ignoredTemp = await Supervisor.StartChildAsync(sup, new ChildSpec { Id = "t", Restart = RestartType.Temporary, Start = (_, _) => new(StartResult.Ignore) });
        Assert.True(ignoredTemp.IsOk);
        Assert.DoesNotContain(await Supervisor.WhichChildrenAsync(sup), c => (string)c.Id! == "t");

        var failed = await Supervisor.StartChildAsync(sup, new ChildSpec { Id = "f", Start = (_, _) => new(StartResult.Fail(ExitReason.Of("nope"))) });
        Assert.Equal(ExitReason.Of(new StartChildError(ExitReason.Of("nope"), "f")), failed.Error);
        Assert.DoesNotContain(await Supervisor.WhichChildrenAsync(sup), c => (string)c.Id! == "f");

        var thrown = await Supervisor.StartChildAsync(sup, new ChildSpec { Id = "x", Start = (_, _) => throw new InvalidOperationException("bad") });
        Assert.Equal("bad", ((StartChildError)thrown.Error!.Detail!).Reason.Exception!.Message);

        var invalid = await Supervisor.StartChildAsync(sup, Worker.Spec("v", probe.Log) with { Restart = (RestartType)9 });
        Assert.Equal("{invalid_restart_type,9}", invalid.Error!.ToString());
    }

    [Fact]
    public async Task TerminateChild_Results()
    {
        await using var probe = new Probe();
        var sup = await probe.StartSupervisorAsync(new SupervisorFlags(), Worker.Spec("a", probe.Log), Worker.Spec("t", probe.Log, restart: RestartType.Temporary));
        var a = await Probe.ChildPid(sup, "a");
        Assert.True((await Supervisor.TerminateChildAsync(sup, "a")).IsOk);
        Assert.False(a.IsAlive);
        Assert.True((await Supervisor.TerminateChildAsync(sup, "a")).IsOk);
        Assert.Equal(SupervisorErrors.NotFound, (await Supervisor.TerminateChildAsync(sup, "nope")).Error);
        Assert.Equal(SupervisorErrors.NotFound, (await Supervisor.TerminateChildAsync(sup, a)).Error);
        Assert.True((await Supervisor.TerminateChildAsync(sup, "t")).IsOk);
        Assert.Equal(SupervisorErrors.NotFound, (await Supervisor.TerminateChildAsync(sup, "t")).Error);
    }

    [Fact]
    public async Task RestartChild_Results()
    {
        await using var probe = new Probe();
        var sup = await probe.StartSupervisorAsync(new SupervisorFlags(), Worker.Spec("a", probe.Log));
        Assert.Equal(SupervisorErrors.Running, (await Supervisor.RestartChildAsync(sup, "a")).Error);
        Assert.Equal(SupervisorErrors.NotFound, (await Supervisor.RestartChildAsync(sup, "b")).Error);
        await Supervisor.TerminateChildAsync(sup, "a");
        var restarted = await Supervisor.RestartChildAsync(sup, "a");
        Assert.True(restarted.IsOk);
        Assert.Equal(restarted.Pid, await Probe.ChildPid(sup, "a"));

        var failing = new ChildSpec { Id = "f", Start = (_, _) => new(StartResult.Fail(ExitReason.Of("no"))) };
        await Supervisor.StartChildAsync(sup, new ChildSpec { Id = "f", Start = (_, _) => new(StartResult.Ignore) });
        await Supervisor.DeleteChildAsync(sup, "f");
        await Supervisor.StartChildAsync(sup, failing);
        Assert.DoesNotContain(await Supervisor.WhichChildrenAsync(sup), c => (string)c.Id! == "f");
    }

    [Fact]
    public async Task RestartChild_StartError_IsNotWrapped_AndChildStaysUndefined()
    {
        await using var probe = new Probe();
        var fail = new StrongBoxFlag();
        var spec = new ChildSpec
        {
            Id = "f",
            Start = (sup, _) => fail.Value ? new(StartResult.Fail(ExitReason.Of("no"))) : GenServer.StartLinkAsync(sup, () => new Worker("f", probe.Log, new())),
        };
        var sup = await probe.StartSupervisorAsync(new SupervisorFlags(), spec);
        await Supervisor.TerminateChildAsync(sup, "f");
        fail.Value = true;
        Assert.Equal(ExitReason.Of("no"), (await Supervisor.RestartChildAsync(sup, "f")).Error);
        Assert.Equal(ChildStatus.Undefined, Assert.Single(await Supervisor.WhichChildrenAsync(sup)).Status);
    }

    private sealed class StrongBoxFlag
    {
        public bool Value { get; set; }
    }

    [Fact]
    public async Task DeleteChild_Results()
    {
        await using var probe = new Probe();
        var sup = await probe.StartSupervisorAsync(new SupervisorFlags(), Worker.Spec("a", probe.Log));
        Assert.Equal(SupervisorErrors.Running, (await Supervisor.DeleteChildAsync(sup, "a")).Error);
        await Supervisor.TerminateChildAsync(sup, "a");
        Assert.True((await Supervisor.DeleteChildAsync(sup, "a")).IsOk);
        Assert.Equal(SupervisorErrors.NotFound, (await Supervisor.DeleteChildAsync(sup, "a")).Error);
        Assert.Empty(await Supervisor.WhichChildrenAsync(sup));
    }

    [Fact]
    public async Task CountChildren_CountsSpecsActiveAndTypes()
    {
        await using var probe = new Probe();
        var sup = await probe.StartSupervisorAsync(
            new SupervisorFlags(),
            Worker.Spec("a", probe.Log),
            ChildSpec.ForSupervisor("s", new SupervisorFlags(), []),
            Worker.Spec("b", probe.Log));
        await Supervisor.TerminateChildAsync(sup, "b");
        Assert.Equal(new ChildCounts(3, 2, 1, 2), await Supervisor.CountChildrenAsync(sup));
    }

    [Fact]
    public async Task GetChildSpec_ReturnsFilledSpecOrNull()
    {
        await using var probe = new Probe();
        var spec = Worker.Spec("a", probe.Log);
        var sup = await probe.StartSupervisorAsync(new SupervisorFlags(), spec);
        var got = await Supervisor.GetChildSpecAsync(sup, "a");
        Assert.Same(spec, got);
        Assert.Equal(Shutdown.AfterMilliseconds(5000), got!.EffectiveShutdown);
        Assert.Equal(Shutdown.Infinity, ChildSpec.ForSupervisor("s", new SupervisorFlags(), []).EffectiveShutdown);
        Assert.Null(await Supervisor.GetChildSpecAsync(sup, "zzz"));
    }

    [Fact]
    public void CheckChildSpecs_Results()
    {
        var log = new EventLog();
        Assert.True(Supervisor.CheckChildSpecs([Worker.Spec("a", log)]).IsOk);
        Assert.Equal("{duplicate_child_name,\"a\"}", Supervisor.CheckChildSpecs([Worker.Spec("a", log), Worker.Spec("a", log)]).Error!.ToString());
        Assert.Equal("missing_start", Supervisor.CheckChildSpecs([new ChildSpec { Id = "x", Start = null! }]).Error!.ToString());
        Assert.Equal("missing_id", Supervisor.CheckChildSpecs([new ChildSpec { Id = null!, Start = (_, _) => default }]).Error!.ToString());
        Assert.Equal("{badarg,undefined}", Supervisor.CheckChildSpecs(null!).Error!.ToString());
        Assert.True(Supervisor.CheckChildSpecs([Worker.Spec("a", log, restart: RestartType.Transient) with { Significant = true }]).IsOk);
        Assert.False(Supervisor.CheckChildSpecs([Worker.Spec("a", log) with { Significant = true }]).IsOk);
    }

    [Fact]
    public async Task Calls_ToADeadSupervisor_ThrowNoproc()
    {
        await using var probe = new Probe();
        var sup = await probe.StartSupervisorAsync(new SupervisorFlags());
        await Supervisor.StopAsync(sup);
        var ex = await Assert.ThrowsAsync<CallException>(async () => await Supervisor.WhichChildrenAsync(sup));
        Assert.Equal(ExitReason.NoProc, ex.Reason);
    }

    [Fact]
    public async Task Init_ChildStartFailure_StopsStartedChildrenInReverse_AndLaterAreNeverTried()
    {
        await using var probe = new Probe();
        var trap = new WorkerOptions { TrapExit = true };
        var result = await Supervisor.StartAsync(probe.Node, [
            Worker.Spec("a", probe.Log, trap),
            Worker.Spec("b", probe.Log, trap),
            Worker.Spec("c", probe.Log, new WorkerOptions { CrashInInit = true }),
            Worker.Spec("d", probe.Log, trap),
        ]);
        Assert.True(result.IsError);
        Assert.StartsWith("{shutdown,{failed_to_start_child,\"c\",", result.Error!.ToString());
        Assert.Equal(["start a", "start b", "stop b", "stop a"], probe.Log.Snapshot());
        Assert.Equal(0, probe.Node.ProcessCount);
    }

    [Fact]
    public async Task Init_IgnoredChildren_PermanentKeptTemporaryDropped()
    {
        await using var probe = new Probe();
        var ignore = new WorkerOptions { Init = InitResult.Ignore };
        var sup = await probe.StartSupervisorAsync(new SupervisorFlags(), Worker.Spec("p", probe.Log, ignore), Worker.Spec("t", probe.Log, ignore, RestartType.Temporary));
        var child = Assert.Single(await Supervisor.WhichChildrenAsync(sup));
        Assert.Equal(("p", ChildStatus.Undefined), ((string)child.Id!, child.Status));
    }

    private sealed class Tree(EventLog log, bool ignore) : SupervisorModule
    {
        public override SupervisorInit Init(object? argument) => ignore
            ? SupervisorInit.Ignore
            : SupervisorInit.Ok(new SupervisorFlags { Strategy = Strategy.OneForAll }, [Worker.Spec((string)argument!, log)]);
    }

    [Fact]
    public async Task CallbackModule_InitOkAndIgnore()
    {
        await using var probe = new Probe();
        var ok = await Supervisor.StartAsync(probe.Node, new Tree(probe.Log, false), "w", name: "tree");
        Assert.True(ok.IsOk);
        Assert.Equal(ok.Pid, probe.Node.WhereIs("tree"));
        Assert.Equal(1, probe.Log.Count("start w"));
        Assert.True((await Supervisor.StartAsync(probe.Node, new Tree(probe.Log, true))).IsIgnore);
        var taken = await Supervisor.StartAsync(probe.Node, new Tree(probe.Log, false), "v", name: "tree");
        Assert.Equal(SupervisorErrors.AlreadyStarted(ok.Pid), taken.Error);
    }

    [Theory]
    [InlineData(-1, 5, "{supervisor_data,{invalid_intensity,-1}}")]
    [InlineData(1, 0, "{supervisor_data,{invalid_period,00:00:00}}")]
    public async Task Init_InvalidFlags_GiveSupervisorData(int intensity, int period, string expected)
    {
        await using var probe = new Probe();
        var result = await Supervisor.StartAsync(probe.Node, [], new SupervisorFlags { Intensity = intensity, Period = TimeSpan.FromSeconds(period) });
        Assert.Equal(expected, result.Error!.ToString());
    }

    [Fact]
    public async Task Init_InvalidSpecs_GiveStartSpec_AndSimpleNeedsOneSpec()
    {
        await using var probe = new Probe();
        var log = probe.Log;
        Assert.Equal("{start_spec,{duplicate_child_name,\"a\"}}", (await Supervisor.StartAsync(probe.Node, [Worker.Spec("a", log), Worker.Spec("a", log)])).Error!.ToString());
        Assert.StartsWith("{bad_start_spec,", (await Supervisor.StartAsync(probe.Node, [Worker.Spec("a", log), Worker.Spec("b", log)], new SupervisorFlags { Strategy = Strategy.SimpleOneForOne })).Error!.ToString());
        Assert.Equal("{supervisor_data,{bad_combination,[{auto_shutdown,any_significant},{strategy,simple_one_for_one}]}}", (await Supervisor.StartAsync(probe.Node, [Worker.Spec("a", log)], new SupervisorFlags { Strategy = Strategy.SimpleOneForOne, AutoShutdown = AutoShutdown.AnySignificant })).Error!.ToString());
        Assert.Equal("{supervisor_data,{invalid_strategy,7}}", (await Supervisor.StartAsync(probe.Node, [], new SupervisorFlags { Strategy = (Strategy)7 })).Error!.ToString());
        Assert.Equal(0, probe.Node.ProcessCount);
    }
}
