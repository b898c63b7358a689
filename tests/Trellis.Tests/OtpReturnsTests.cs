using Trellis.Tests.Fakes;

namespace Trellis.Tests;

/// <summary>
/// What OTP answers when callbacks return what they may not, and which_child/2: the cases of OTP's and Elixir's own
/// suites that Trellis answered differently before (supervisor_SUITE, dynamic_supervisor_test.exs).
/// </summary>
public class OtpReturnsTests
{
    private sealed class BadInit : SupervisorModule
    {
        public override SupervisorInit Init(object? argument) => null!;
    }

    private sealed class IgnoringInit : SupervisorModule
    {
        public override SupervisorInit Init(object? argument) => SupervisorInit.Ignore;
    }

    private static ChildSpec Garbage(string id, StartResult? returned) => new()
    {
        Id = id,
        Start = (_, _) => ValueTask.FromResult(returned!),
    };

    [Fact]
    public async Task SupervisorInit_BadValue_IsBadReturn()
    {
        await using var probe = new Probe();
        var result = await Supervisor.StartAsync(probe.Node, new BadInit());
        Assert.Equal("{error,{bad_return,{BadInit,init,undefined}}}", result.ToString());
        Assert.True((await Supervisor.StartAsync(probe.Node, new IgnoringInit())).IsIgnore);
    }

    [Fact]
    public async Task StartFunctionGarbage_IsPassedThroughAsTheReason()
    {
        await using var probe = new Probe();

        // At init: {shutdown, {failed_to_start_child, Id, What}}.
        var init = await Supervisor.StartAsync(probe.Node, [Garbage("g", null)]);
        Assert.Equal("{error,{shutdown,{failed_to_start_child,\"g\",undefined}}}", init.ToString());

        // start_child: {error, {What, Id}}.
        var sup = await probe.StartSupervisorAsync(new SupervisorFlags());
        var started = await Supervisor.StartChildAsync(sup, Garbage("h", StartResult.Ok(Pid.None)));
        Assert.True(started.IsError);
        var error = Assert.IsType<StartChildError>(started.Error!.Detail);
        Assert.Equal(ExitReason.Of(new ErrorTerm("ok", new Atom("undefined"))), error.Reason);
        Assert.Equal("h", error.ChildId);

        // simple_one_for_one: {error, What}, not wrapped.
        var simple = await probe.StartSupervisorAsync(new SupervisorFlags { Strategy = Strategy.SimpleOneForOne }, Garbage("t", null));
        Assert.Equal("{error,undefined}", (await Supervisor.StartChildAsync(simple, [])).ToString());
        Assert.Equal(new ChildCounts(1, 0, 0, 0), await Supervisor.CountChildrenAsync(simple));
    }

    [Fact]
    public async Task WhichChild_ByIdOrPid()
    {
        await using var probe = new Probe();
        var sup = await probe.StartSupervisorAsync(
            new SupervisorFlags(),
            Worker.Spec("a", probe.Log) with { Modules = ["Worker"] },
            Worker.Spec("b", probe.Log, restart: RestartType.Transient) with { Modules = ["Worker"] });
        var a = await Probe.ChildPid(sup, "a");
        var found = await Supervisor.WhichChildAsync(sup, "a");
        Assert.True(found.IsOk);
        Assert.Equal(a, found.Child!.Pid);
        Assert.Equal($"{{ok,{{\"a\",{a},worker,[Worker]}}}}", found.ToString());
        Assert.Equal(SupervisorErrors.NotFound, (await Supervisor.WhichChildAsync(sup, "zz")).Error);

        Assert.True((await Supervisor.TerminateChildAsync(sup, "b")).IsOk);
        Assert.Equal("{ok,{\"b\",undefined,worker,[Worker]}}", (await Supervisor.WhichChildAsync(sup, "b")).ToString());

        var simple = await probe.StartSupervisorAsync(new SupervisorFlags { Strategy = Strategy.SimpleOneForOne }, Worker.Spec("t", probe.Log));
        var child = (await Supervisor.StartChildAsync(simple, [])).Pid;
        Assert.Equal(child, (await Supervisor.WhichChildAsync(simple, child)).Child!.Pid);
        Assert.Null((await Supervisor.WhichChildAsync(simple, child)).Child!.Id);
        Assert.Equal(SupervisorErrors.SimpleOneForOne, (await Supervisor.WhichChildAsync(simple, "t")).Error);
        Assert.Equal(SupervisorErrors.NotFound, (await Supervisor.WhichChildAsync(simple, a)).Error);
    }

    [Fact]
    public async Task SupervisorCalls_StopWaitingWhenCancelled()
    {
        await using var probe = new Probe();
        var gate = new TaskCompletionSource();
        var slow = new ChildSpec
        {
            Id = "slow",
            Start = async (sup, _) =>
            {
                await gate.Task;
                return await GenServer.StartLinkAsync(sup, () => new Worker("slow", probe.Log, new()));
            },
        };
        var sup = await probe.StartSupervisorAsync(new SupervisorFlags());
        var starting = Supervisor.StartChildAsync(sup, slow).AsTask();
        using var cancel = new CancellationTokenSource();
        var counting = Supervisor.CountChildrenAsync(sup, cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => counting.WaitAsync(Probe.Deadline));
        gate.SetResult();
        Assert.True((await starting.WaitAsync(Probe.Deadline)).IsOk);
        Assert.Equal(new ChildCounts(1, 1, 0, 1), await Supervisor.CountChildrenAsync(sup));
    }
}
