using Trellis.Tests.Fakes;

namespace Trellis.Tests;

/// <summary>Task.Supervisor.async_stream and async_stream_nolink, as Elixir's task_supervisor_test.exs drives them.</summary>
public class AsyncStreamTests
{
    /// <summary>
    /// Every task of the stream ends: a task that answered may still be exiting when its answer is seen, so each one
    /// listed is waited for (a task left running fails here, at the deadline); then the supervisor, which hears of an
    /// exit before any watcher does, lists none.
    /// </summary>
    private static async Task AssertNoTaskLeftAsync(Pid sup)
    {
        foreach (var task in await TaskSupervisor.ChildrenAsync(sup))
        {
            await Probe.ExitOf(task);
        }

        Assert.Empty(await TaskSupervisor.ChildrenAsync(sup));
    }

    private static async Task<Pid> Start(Probe probe, TaskSupervisorOptions? options = null)
    {
        var result = await TaskSupervisor.StartAsync(probe.Node, options);
        Assert.True(result.IsOk, result.ToString());
        return result.Pid;
    }

    private static async ValueTask<List<string>> Collect(IAsyncEnumerable<TaskOutcome> stream)
    {
        var list = new List<string>();
        await foreach (var outcome in stream)
        {
            list.Add(outcome.ToString());
        }

        return list;
    }

    [Fact]
    public async Task Ordered_ResultsComeInInputOrder_WithBoundedConcurrency()
    {
        await using var probe = new Probe();
        var sup = await Start(probe);
        var caller = Actor.Spawn(probe.Node);
        var running = 0;
        var most = 0;
        var gates = Enumerable.Range(0, 6).Select(_ => new TaskCompletionSource()).ToArray();
        var results = await caller.Do(async ctx =>
        {
            // The later items finish first; order still follows the input.
            var stream = TaskSupervisor.AsyncStream(ctx, sup, Enumerable.Range(0, 6), async (_, i) =>
            {
                var now = Interlocked.Increment(ref running);
                InterlockedMax(ref most, now);
                if (i % 2 == 0)
                {
                    await gates[i + 1].Task;
                }

                Interlocked.Decrement(ref running);
                gates[i].TrySetResult();
                return i * 10;
            }, new AsyncStreamOptions { MaxConcurrency = 2 });
            return await Collect(stream);
        });
        Assert.Equal(["{ok,0}", "{ok,10}", "{ok,20}", "{ok,30}", "{ok,40}", "{ok,50}"], results);
        Assert.Equal(2, most);
        Assert.Equal(0, await caller.Do(ctx => ctx.MessageQueueLength));
        await AssertNoTaskLeftAsync(sup);
    }

    [Fact]
    public async Task Unordered_ResultsComeAsTheyFinish()
    {
        await using var probe = new Probe();
        var sup = await Start(probe);
        var caller = Actor.Spawn(probe.Node);
        var fast = new TaskCompletionSource<Pid>();
        var results = await caller.Do(async ctx => await Collect(TaskSupervisor.AsyncStream(ctx, sup, Items("slow", "fast"), async (task, s) =>
        {
            if (s == "slow")
            {
                // The fast task has replied once it has exited: its reply is ahead in the caller's mailbox.
                await Node.WaitForExitAsync(await fast.Task);
            }
            else
            {
                fast.SetResult(task.Self);
            }

            return s;
        }, new AsyncStreamOptions { Ordered = false, MaxConcurrency = 2 })));
        Assert.Equal(["{ok,\"fast\"}", "{ok,\"slow\"}"], results);
    }

    [Fact]
    public async Task Nolink_ACrashIsAnExitResult_AndTheCallerCarriesOn()
    {
        await using var probe = new Probe();
        var sup = await Start(probe);
        var caller = Actor.Spawn(probe.Node);
        var results = await caller.Do(async ctx => await Collect(TaskSupervisor.AsyncStreamNolink(ctx, sup, Items(1, 0, 2), (_, i) =>
            i == 0 ? throw new InvalidOperationException("zero") : new ValueTask<object?>(10 / i))));
        Assert.Equal("{ok,10}", results[0]);
        Assert.StartsWith("{exit,", results[1], StringComparison.Ordinal);
        Assert.Contains("zero", results[1], StringComparison.Ordinal);
        Assert.Equal("{ok,5}", results[2]);
        Assert.True(caller.Pid.IsAlive);
    }

    [Fact]
    public async Task Linked_ACrashTakesTheCallerDown()
    {
        await using var probe = new Probe();
        var sup = await Start(probe);
        var caller = Actor.Spawn(probe.Node);
        var exited = Node.WaitForExitAsync(caller.Pid);
        await Assert.ThrowsAnyAsync<Exception>(() => caller.Do(async ctx => await Collect(TaskSupervisor.AsyncStream(ctx, sup, Items(1), (_, _) =>
            new ValueTask<object?>(Task.FromException<object?>(new InvalidOperationException("crash")))))));
        Assert.Contains("crash", (await exited.WaitAsync(Probe.Deadline)).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Timeout_KillTask_YieldsExitTimeout_Exit_EndsTheCaller()
    {
        await using var probe = new Probe(manualTime: true);
        var sup = await Start(probe);
        var caller = Actor.Spawn(probe.Node);
        var never = new TaskCompletionSource<object?>();
        var options = new AsyncStreamOptions { Timeout = TimeSpan.FromMilliseconds(50), OnTimeout = StreamTimeout.KillTask, MaxConcurrency = 2, Ordered = false };

        // The clock moves past the timeout once the caller holds "ok"'s result: only "hang" is still running then.
        async Task<List<string>> Run(ProcessContext ctx, AsyncStreamOptions o, TaskCompletionSource gotOk)
        {
            var list = new List<string>();
            await foreach (var outcome in TaskSupervisor.AsyncStreamNolink(ctx, sup, Items("hang", "ok"), (_, s) => s == "hang" ? new ValueTask<object?>(never.Task) : new ValueTask<object?>(s), o))
            {
                list.Add(outcome.ToString());
                gotOk.TrySetResult();
            }

            return list;
        }

        var gotOk = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var killing = caller.Do(ctx => new ValueTask<List<string>>(Run(ctx, options, gotOk)));
        await gotOk.Task.WaitAsync(Probe.Deadline);
        await probe.Time!.WaitForTimersAsync();   // the stream waits again, with "hang"'s deadline as its timer
        probe.Time!.Advance(TimeSpan.FromMilliseconds(50));
        Assert.Equal(["{ok,\"ok\"}", "{exit,timeout}"], await killing.WaitAsync(Probe.Deadline));
        await AssertNoTaskLeftAsync(sup);

        var exited = Node.WaitForExitAsync(caller.Pid);
        gotOk = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var exiting = caller.Do(ctx => new ValueTask<List<string>>(Run(ctx, options with { OnTimeout = StreamTimeout.Exit }, gotOk)));
        await gotOk.Task.WaitAsync(Probe.Deadline);
        await probe.Time!.WaitForTimersAsync();   // the stream waits again, with "hang"'s deadline as its timer
        probe.Time!.Advance(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAsync<ExitException>(() => exiting.WaitAsync(Probe.Deadline));
        Assert.Equal("{timeout,{Task.Supervised,stream,[50]}}", (await exited.WaitAsync(Probe.Deadline)).ToString());
        await AssertNoTaskLeftAsync(sup);
    }

    [Fact]
    public async Task LeavingEarly_KillsTheTasksStillRunning_AndLeavesNoMessages()
    {
        await using var probe = new Probe();
        var sup = await Start(probe);
        var caller = Actor.Spawn(probe.Node);
        var never = new TaskCompletionSource<object?>();
        var first = await caller.Do(async ctx =>
        {
            await foreach (var outcome in TaskSupervisor.AsyncStream(ctx, sup, Items(0, 1, 2, 3), (_, i) =>
                i == 0 ? new ValueTask<object?>(i) : new ValueTask<object?>(never.Task), new AsyncStreamOptions { MaxConcurrency = 4 }))
            {
                return outcome.ToString();
            }

            return "none";
        });
        Assert.Equal("{ok,0}", first);
        await AssertNoTaskLeftAsync(sup);
        Assert.True(caller.Pid.IsAlive);
        Assert.Equal(0, await caller.Do(ctx => ctx.MessageQueueLength));
    }

    [Fact]
    public async Task Cancellation_EndsTheStream()
    {
        await using var probe = new Probe();
        var sup = await Start(probe);
        var caller = Actor.Spawn(probe.Node);
        var never = new TaskCompletionSource<object?>();
        using var cancel = new CancellationTokenSource();
        var started = new TaskCompletionSource();
        var run = caller.Do(async ctx => await Collect(TaskSupervisor.AsyncStreamNolink(ctx, sup, Items(1), (_, _) =>
        {
            started.SetResult();
            return new ValueTask<object?>(never.Task);
        }, new AsyncStreamOptions { Timeout = Timeout.InfiniteTimeSpan }, cancel.Token)));
        await started.Task.WaitAsync(Probe.Deadline);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        await AssertNoTaskLeftAsync(sup);
    }

    private static List<T> Items<T>(params T[] items) => [.. items];

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen)
        {
            var previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }
}
