using Trellis.Tests.Fakes;

namespace Trellis.Tests;

public class ProcessTests
{
    [Fact]
    public async Task Spawn_SendReceive_RepliesInOrder()
    {
        await using var probe = new Probe();
        var replies = new TaskCompletionSource<string>();
        var echo = probe.Node.Spawn(async ctx =>
        {
            var first = (string)await ctx.ReceiveAsync();
            var second = (string)await ctx.ReceiveAsync();
            replies.SetResult(first + second);
        });
        echo.Send("a");
        echo.Send("b");
        Assert.Equal("ab", await replies.Task.WaitAsync(Probe.Deadline));
        Assert.Equal(ExitReason.Normal, await Probe.ExitOf(echo));
    }

    [Fact]
    public async Task Exception_EscapingBody_IsCrashWithThatException()
    {
        await using var probe = new Probe();
        var pid = probe.Node.Spawn(_ => throw new InvalidOperationException("boom"));
        var reason = await Probe.ExitOf(pid);
        Assert.Equal(ExitReasonKind.Exception, reason.Kind);
        Assert.Equal("boom", reason.Exception!.Message);
        Assert.False(reason.IsOrderly);
    }

    [Fact]
    public async Task ExitException_ExitsWithItsReason()
    {
        await using var probe = new Probe();
        var pid = probe.Node.Spawn(_ => throw new ExitException(ExitReason.ShutdownWith("bye")));
        Assert.Equal(ExitReason.ShutdownWith("bye"), await Probe.ExitOf(pid));
    }

    [Fact]
    public async Task Receive_WithTimeout_ReturnsNullWhenTimePasses()
    {
        await using var probe = new Probe(manualTime: true);
        var result = new TaskCompletionSource<object?>();
        probe.Node.Spawn(async ctx => result.SetResult(await ctx.ReceiveAsync(TimeSpan.FromSeconds(2))));
        await probe.Time!.WaitForTimersAsync();
        probe.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(result.Task.IsCompleted);
        probe.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await result.Task.WaitAsync(Probe.Deadline));
    }

    [Fact]
    public async Task Receive_ZeroTimeout_OnlyLooks()
    {
        await using var probe = new Probe();
        var result = new TaskCompletionSource<object?>();
        probe.Node.Spawn(async ctx => result.SetResult(await ctx.ReceiveAsync(TimeSpan.Zero)));
        Assert.Null(await result.Task.WaitAsync(Probe.Deadline));
    }

    [Fact]
    public async Task SelectiveReceive_TakesMatchAndKeepsOthersInOrder()
    {
        await using var probe = new Probe();
        var go = new TaskCompletionSource();
        var seen = new TaskCompletionSource<string>();
        var pid = probe.Node.Spawn(async ctx =>
        {
            await go.Task;
            var picked = await ctx.ReceiveAsync(m => m is int, Timeout.InfiniteTimeSpan);
            var rest = $"{await ctx.ReceiveAsync()}{await ctx.ReceiveAsync()}";
            seen.SetResult($"{picked}:{rest}");
        });
        pid.Send("x");
        pid.Send(7);
        pid.Send("y");
        go.SetResult();
        Assert.Equal("7:xy", await seen.Task.WaitAsync(Probe.Deadline));
    }

    [Fact]
    public async Task SelectiveReceive_WaitsForALaterMatch()
    {
        await using var probe = new Probe();
        var seen = new TaskCompletionSource<object?>();
        var pid = probe.Node.Spawn(async ctx => seen.SetResult(await ctx.ReceiveAsync(m => m is int, Timeout.InfiniteTimeSpan)));
        pid.Send("ignored");
        pid.Send(42);
        Assert.Equal(42, await seen.Task.WaitAsync(Probe.Deadline));
    }

    [Fact]
    public async Task Kill_WhileWaiting_ProcessIsDeadAtOnceAndItsReceiveThrows()
    {
        await using var probe = new Probe();
        var thrown = new TaskCompletionSource<Exception>();
        var token = new TaskCompletionSource<CancellationToken>();
        var pid = probe.Node.Spawn(async ctx =>
        {
            token.SetResult(ctx.CancellationToken);
            try
            {
                await ctx.ReceiveAsync();
            }
            catch (ProcessExitedException ex)
            {
                thrown.SetResult(ex);
                throw;
            }
        });
        var ct = await token.Task.WaitAsync(Probe.Deadline);
        Node.Exit(pid, ExitReason.Kill);
        Assert.False(pid.IsAlive);
        Assert.True(ct.IsCancellationRequested);
        Assert.Equal(ExitReason.Killed, await Probe.ExitOf(pid));
        Assert.IsType<ProcessExitedException>(await thrown.Task.WaitAsync(Probe.Deadline));
        Assert.False(pid.Send("late"));
    }

    [Fact]
    public async Task ProcessCount_TracksLiveProcesses()
    {
        await using var probe = new Probe();
        var release = new TaskCompletionSource();
        var pids = Enumerable.Range(0, 10).Select(_ => probe.Node.Spawn(async _ => await release.Task)).ToList();
        Assert.Equal(10, probe.Node.ProcessCount);
        release.SetResult();
        foreach (var p in pids)
        {
            await Probe.ExitOf(p);
        }

        Assert.Equal(0, probe.Node.ProcessCount);
    }

    [Fact]
    public void ExitReason_ValuesCompareAndPrintLikeErlang()
    {
        Assert.Equal(ExitReason.ShutdownWith("x"), ExitReason.ShutdownWith("x"));
        Assert.NotEqual(ExitReason.Kill, ExitReason.Killed);
        Assert.Equal("{shutdown,\"x\"}", ExitReason.ShutdownWith("x").ToString());
        Assert.Equal("not_found", SupervisorErrors.NotFound.ToString());
        Assert.True(ExitReason.ShutdownWith(1).IsOrderly);
        Assert.False(ExitReason.Killed.IsOrderly);
        Assert.Equal(ExitReason.Normal, ExitReason.FromExitCode(0));
        Assert.Equal("{signal,11,core_dumped}", ExitReason.FromSignal(11, true).ToString());
        Assert.Equal("{shutdown,{failed_to_start_child,\"a\",killed}}", SupervisorErrors.FailedToStartChild("a", ExitReason.Killed).ToString());
    }
}
