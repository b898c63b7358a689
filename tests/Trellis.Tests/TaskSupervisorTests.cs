using Trellis.Tests.Fakes;

namespace Trellis.Tests;

/// <summary>Elixir's Task.Supervisor.</summary>
public class TaskSupervisorTests
{
    private static async Task<Pid> Start(Probe probe, TaskSupervisorOptions? options = null)
    {
        var result = await TaskSupervisor.StartAsync(probe.Node, options);
        Assert.True(result.IsOk, result.ToString());
        return result.Pid;
    }

    [Fact]
    public async Task AsyncNolink_Success_ReplyThenNormalDown_AndAwaitReturnsIt()
    {
        await using var probe = new Probe();
        var sup = await Start(probe);
        var caller = Actor.Spawn(probe.Node);
        var messages = await caller.Do(async ctx =>
        {
            var task = await TaskSupervisor.RunNolinkAsync(ctx, sup, _ => new ValueTask<object?>(42));
            var first = await ctx.ReceiveAsync(TimeSpan.FromSeconds(10));
            var second = await ctx.ReceiveAsync(TimeSpan.FromSeconds(10));
            return (task, first, second);
        });
        Assert.Equal(new TaskReply(messages.task.Ref, 42), messages.first);
        Assert.Equal(new DownMessage(messages.task.Ref, messages.task.Pid, ExitReason.Normal), messages.second);
        Assert.Equal(42, await caller.Do(async ctx => await (await TaskSupervisor.RunNolinkAsync(ctx, sup, _ => new ValueTask<object?>(42))).AwaitAsync(ctx)));
        // await demonitors and flushes: nothing is left in the caller's mailbox.
        Assert.Equal(0, await caller.Do(ctx => ctx.MessageQueueLength));
    }

    [Fact]
    public async Task AsyncNolink_Crash_IsADownWithTheReason_AndTheCallerLivesOn()
    {
        await using var probe = new Probe();
        var sup = await Start(probe);
        var caller = Actor.Spawn(probe.Node);
        var (task, message) = await caller.Do(async ctx =>
        {
            var task = await TaskSupervisor.RunNolinkAsync(ctx, sup, _ => throw new InvalidOperationException("boom"));
            return (task, await ctx.ReceiveAsync(TimeSpan.FromSeconds(10)));
        });
        var down = Assert.IsType<DownMessage>(message);
        Assert.Equal(task.Ref, down.Ref);
        Assert.Equal(ExitReasonKind.Exception, down.Reason.Kind);
        Assert.Contains("boom", down.Reason.ToString(), StringComparison.Ordinal);
        Assert.True(caller.Pid.IsAlive);
        var outcome = await caller.Do(async ctx =>
            await (await TaskSupervisor.RunNolinkAsync(ctx, sup, _ => throw new InvalidOperationException("again"))).YieldAsync(ctx, TimeSpan.FromSeconds(10)));
        Assert.False(outcome!.IsOk);
        Assert.Equal(ExitReasonKind.Exception, outcome.Reason!.Kind);
        Assert.True(caller.Pid.IsAlive);
    }

    [Fact]
    public async Task Async_IsLinked_ATaskCrashTakesTheCallerDown()
    {
        await using var probe = new Probe();
        var sup = await Start(probe);
        var caller = Actor.Spawn(probe.Node);
        var release = new TaskCompletionSource();
        var task = await caller.Do(ctx => TaskSupervisor.RunAsync(ctx, sup, async _ =>
        {
            await release.Task;
            throw new InvalidOperationException("linked boom");
        }));
        Assert.Contains(task.Pid, Node.GetProcessInfo(caller.Pid)!.Links);
        release.SetResult();
        var reason = await Probe.ExitOf(caller.Pid);
        Assert.Contains("linked boom", reason.ToString(), StringComparison.Ordinal);
        Assert.True(sup.IsAlive);
    }

    [Fact]
    public async Task Await_OnACrashedTask_ExitsTheCaller_AndOnTimeoutToo()
    {
        await using var probe = new Probe();
        var sup = await Start(probe);
        var caller = Actor.Spawn(probe.Node);
        _ = caller.Do(async ctx => await (await TaskSupervisor.RunNolinkAsync(ctx, sup, _ => throw new InvalidOperationException("crash"))).AwaitAsync(ctx));
        var reason = await Probe.ExitOf(caller.Pid);
        var exit = Assert.IsType<TaskAwaitExit>(reason.Detail);
        Assert.Equal(ExitReasonKind.Exception, exit.Reason.Kind);
        Assert.StartsWith("{{InvalidOperationException", reason.ToString(), StringComparison.Ordinal);
        Assert.Contains(",{Task,await,[%Task{", reason.ToString(), StringComparison.Ordinal);

        var waiter = Actor.Spawn(probe.Node);
        var never = new TaskCompletionSource<object?>();
        _ = waiter.Do(async ctx => await (await TaskSupervisor.RunNolinkAsync(ctx, sup, _ => new ValueTask<object?>(never.Task))).AwaitAsync(ctx, TimeSpan.FromMilliseconds(50)));
        var timedOut = Assert.IsType<TaskAwaitExit>((await Probe.ExitOf(waiter.Pid)).Detail);
        Assert.Equal(ExitReason.Timeout, timedOut.Reason);
        Assert.EndsWith(",50]}}", (await Probe.ExitOf(waiter.Pid)).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Yield_NullWhileRunning_ThenTheResult()
    {
        await using var probe = new Probe();
        var sup = await Start(probe);
        var caller = Actor.Spawn(probe.Node);
        var release = new TaskCompletionSource<object?>();
        var task = await caller.Do(ctx => TaskSupervisor.RunNolinkAsync(ctx, sup, _ => new ValueTask<object?>(release.Task)));
        Assert.Null(await caller.Do(ctx => task.YieldAsync(ctx, TimeSpan.Zero)));
        release.SetResult("done");
        var outcome = await caller.Do(ctx => task.YieldAsync(ctx, TimeSpan.FromSeconds(10)));
        Assert.Equal(TaskOutcome.Ok("done").ToString(), outcome!.ToString());
        Assert.Throws<InvalidOperationException>(() => task.YieldAsync(Actor.Spawn(probe.Node).Pid.Process!, TimeSpan.Zero).AsTask().GetAwaiter().GetResult());
    }

    [Fact]
    public async Task Shutdown_StopsARunningTask_KillsOneThatIgnoresIt_AndReturnsAResultThatArrived()
    {
        await using var probe = new Probe();
        var sup = await Start(probe);
        var caller = Actor.Spawn(probe.Node);
        var forever = new TaskCompletionSource<object?>();
        var running = await caller.Do(ctx => TaskSupervisor.RunAsync(ctx, sup, _ => new ValueTask<object?>(forever.Task)));
        Assert.Null(await caller.Do(ctx => running.ShutdownAsync(ctx)));
        Assert.Equal(ExitReason.Shutdown, await Probe.ExitOf(running.Pid));
        Assert.True(caller.Pid.IsAlive);

        var trapping = new TaskCompletionSource();
        var stubborn = await caller.Do(ctx => TaskSupervisor.RunNolinkAsync(ctx, sup, async tctx =>
        {
            tctx.TrapExit = true;
            trapping.SetResult();
            await tctx.ReceiveAsync(_ => false, Timeout.InfiniteTimeSpan);
            return null;
        }));
        await trapping.Task.WaitAsync(Probe.Deadline);
        Assert.Null(await caller.Do(ctx => stubborn.ShutdownAsync(ctx, Shutdown.AfterMilliseconds(20))));
        Assert.Equal(ExitReason.Killed, await Probe.ExitOf(stubborn.Pid));

        var early = await caller.Do(ctx => TaskSupervisor.RunNolinkAsync(ctx, sup, _ => new ValueTask<object?>("early")));
        await Probe.ExitOf(early.Pid);
        var finished = await caller.Do(ctx => early.ShutdownAsync(ctx, Shutdown.BrutalKill));
        Assert.Equal("early", finished!.Value);
    }

    [Fact]
    public async Task StartChild_TemporaryByDefault_TransientOnRequest()
    {
        await using var probe = new Probe();
        var sup = await Start(probe);
        var runs = 0;
        var temporary = await TaskSupervisor.StartChildAsync(sup, _ =>
        {
            Interlocked.Increment(ref runs);
            throw new InvalidOperationException("once");
        });
        Assert.True(temporary.IsOk);
        await Probe.ExitOf(temporary.Pid);
        Assert.Empty(await TaskSupervisor.ChildrenAsync(sup));

        var attempts = 0;
        var done = new TaskCompletionSource();
        var transient = await TaskSupervisor.StartChildAsync(sup, _ =>
        {
            if (Interlocked.Increment(ref attempts) < 3)
            {
                throw new InvalidOperationException("retry me");
            }

            done.SetResult();
            return ValueTask.CompletedTask;
        }, RestartType.Transient);
        Assert.True(transient.IsOk);
        await done.Task.WaitAsync(Probe.Deadline);
        Assert.Equal(3, attempts);
        Assert.Equal(1, runs);
    }

    [Fact]
    public async Task MaxChildren_StartChildErrs_AsyncThrows()
    {
        await using var probe = new Probe();
        var sup = await Start(probe, new TaskSupervisorOptions { MaxChildren = 1 });
        var blocker = new TaskCompletionSource();
        Assert.True((await TaskSupervisor.StartChildAsync(sup, async _ => await blocker.Task)).IsOk);
        Assert.Equal(SupervisorErrors.MaxChildren, (await TaskSupervisor.StartChildAsync(sup, _ => ValueTask.CompletedTask)).Error);
        var caller = Actor.Spawn(probe.Node);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => caller.Do(ctx => TaskSupervisor.RunNolinkAsync(ctx, sup, _ => new ValueTask<object?>(1))));
        Assert.Contains("reached the maximum number of tasks", error.Message, StringComparison.Ordinal);
        blocker.SetResult();
    }

    [Fact]
    public async Task Tasks_AreShutDownWithTheirSupervisor_BrutalKillGivesKilled()
    {
        await using var probe = new Probe();
        var sup = await Start(probe);
        var caller = Actor.Spawn(probe.Node);
        var forever = new TaskCompletionSource<object?>();
        var polite = await caller.Do(ctx => TaskSupervisor.RunNolinkAsync(ctx, sup, _ => new ValueTask<object?>(forever.Task)));
        var brutal = await caller.Do(ctx => TaskSupervisor.RunNolinkAsync(ctx, sup, _ => new ValueTask<object?>(forever.Task), Shutdown.BrutalKill));
        Assert.Equal(2, (await TaskSupervisor.ChildrenAsync(sup)).Count);
        await DynamicSupervisor.StopAsync(sup, ExitReason.Shutdown);
        Assert.Equal(ExitReason.Shutdown, await Probe.ExitOf(polite.Pid));
        Assert.Equal(ExitReason.Killed, await Probe.ExitOf(brutal.Pid));
        Assert.True(caller.Pid.IsAlive);
    }

    /// <summary>Seed 004's pattern: a GenServer starts a task, handles its reply and its DOWN in HandleInfo.</summary>
    private sealed class Fetcher(Pid tasks, EventLog log) : GenServer
    {
        private readonly Dictionary<MonitorRef, string> _pending = [];

        protected override async ValueTask<ServerResult> HandleCastAsync(object request)
        {
            var job = (string)request;
            var task = await TaskSupervisor.RunNolinkAsync(Context, tasks, _ =>
                job == "bad" ? throw new InvalidOperationException("bad job") : new ValueTask<object?>(job.ToUpperInvariant()));
            _pending[task.Ref] = job;
            return NoReply();
        }

        protected override ServerResult HandleInfo(object message)
        {
            switch (message)
            {
                case TaskReply reply when _pending.Remove(reply.Ref, out var job):
                    Context.Demonitor(reply.Ref, flush: true);
                    log.Add($"{job} -> {reply.Result}");
                    return NoReply();
                case DownMessage down when _pending.Remove(down.Ref, out var job):
                    log.Add($"{job} failed: {down.Reason.Kind}");
                    return NoReply();
                default:
                    return base.HandleInfo(message);
            }
        }
    }

    [Fact]
    public async Task AGenServer_HandlesTheResultAndTheDownMessages()
    {
        await using var probe = new Probe();
        var sup = await Start(probe);
        var fetcher = await GenServer.StartAsync(probe.Node, () => new Fetcher(sup, probe.Log));
        GenServer.Cast(fetcher.Pid, "good");
        GenServer.Cast(fetcher.Pid, "bad");
        await probe.Log.WaitUntilAsync(e => e.Count == 2);
        Assert.Equal(["bad failed: Exception", "good -> GOOD"], probe.Log.Snapshot().Order());
        Assert.True(fetcher.Pid.IsAlive);
    }
}
