using Trellis.Tests.Fakes;

namespace Trellis.Tests;

public class GenServerTests
{
    private sealed class Stack : GenServer
    {
        private readonly List<object> _items = [];

        protected override InitResult Init(object? argument)
        {
            if (argument is IEnumerable<object> initial)
            {
                _items.AddRange(initial);
            }

            return InitResult.Ok();
        }

        protected override ServerResult HandleCall(object request, From from) => request switch
        {
            "pop" => Pop(),
            "size" => Reply(_items.Count),
            _ => base.HandleCall(request, from),
        };

        protected override ServerResult HandleCast(object request)
        {
            _items.Insert(0, request);
            return NoReply();
        }

        private ServerResult Pop()
        {
            var top = _items[0];
            _items.RemoveAt(0);
            return Reply(top);
        }
    }

    private sealed class Scripted(EventLog log) : GenServer
    {
        private From _held;

        protected override ServerResult HandleCall(object request, From from)
        {
            switch (request)
            {
                case "hold":
                    _held = from;
                    return NoReply();
                case "release":
                    Reply(_held, "released");
                    return Reply("ok");
                case "slow":
                    return NoReply();
                case "die":
                    throw new InvalidOperationException("died in call");
                case "continue":
                    return Reply("ok").WithContinue("after");
                case "idle":
                    return Reply("ok").WithTimeout(TimeSpan.FromSeconds(1));
                default:
                    return base.HandleCall(request, from);
            }
        }

        protected override ServerResult HandleInfo(object message)
        {
            log.Add("info " + message);
            return NoReply();
        }

        protected override ServerResult HandleContinue(object continuation)
        {
            log.Add("continue " + continuation);
            return NoReply();
        }

        protected override void Terminate(ExitReason reason) => log.Add("terminate " + reason);
    }

    [Fact]
    public async Task Call_Cast_ThreadStateThroughTheServer()
    {
        await using var probe = new Probe();
        var start = await GenServer.StartAsync(probe.Node, () => new Stack(), new object[] { "hello" });
        Assert.True(start.IsOk);
        Assert.Equal("hello", await GenServer.CallAsync<string>(start.Pid, "pop"));
        GenServer.Cast(start.Pid, "world");
        Assert.Equal("world", await GenServer.CallAsync<string>(start.Pid, "pop"));
    }

    [Fact]
    public async Task Call_ServerDiesDuringCall_CallerFailsWithServerReason()
    {
        await using var probe = new Probe();
        var start = await GenServer.StartAsync(probe.Node, () => new Scripted(probe.Log));
        var ex = await Assert.ThrowsAsync<CallException>(async () => await GenServer.CallAsync(start.Pid, "die"));
        Assert.Equal(ExitReasonKind.Exception, ex.Reason.Kind);
        Assert.Contains("died in call", ex.Message);
        Assert.Equal("terminate " + ex.Reason, probe.Log.Snapshot().Single());
    }

    [Fact]
    public async Task Call_ServerKilledWhileHoldingCall_CallerFailsWithKilled()
    {
        await using var probe = new Probe();
        var start = await GenServer.StartAsync(probe.Node, () => new Scripted(probe.Log));
        var call = GenServer.CallAsync(start.Pid, "hold").AsTask();
        await GenServer.CallAsync(start.Pid, "continue");
        Node.Exit(start.Pid, ExitReason.Kill);
        var ex = await Assert.ThrowsAsync<CallException>(() => call);
        Assert.Equal(ExitReason.Killed, ex.Reason);
    }

    /// <summary>Blocks in the callback for "block" (a call) or a cast of a gate, until the test opens that gate.</summary>
    private sealed class Gated : GenServer
    {
        protected override async ValueTask<ServerResult> HandleCallAsync(object request, From from)
        {
            if (request is TaskCompletionSource gate)
            {
                await gate.Task;
            }

            return Reply(request);
        }

        protected override async ValueTask<ServerResult> HandleCastAsync(object request)
        {
            if (request is (TaskCompletionSource entered, TaskCompletionSource gate))
            {
                entered.SetResult();
                await gate.Task;
            }

            return NoReply();
        }
    }

    [Fact]
    public async Task Call_ServerKilledWithCallsQueued_EveryQueuedCallerFailsWithKilled()
    {
        // The server takes a batch of its queue at once (the cast and the calls behind it), and is killed while it
        // works on the first; calls that arrive after the batch wait in the other part of the mailbox. All fail.
        await using var probe = new Probe();
        var server = (await GenServer.StartAsync(probe.Node, () => new Gated())).Pid;
        var first = new TaskCompletionSource();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var second = new TaskCompletionSource();
        var blocked = GenServer.CallAsync(server, first, Timeout.InfiniteTimeSpan).AsTask();
        GenServer.Cast(server, (entered, second));
        var batched = Enumerable.Range(0, 50).Select(i => GenServer.CallAsync(server, i, Timeout.InfiniteTimeSpan).AsTask()).ToList();
        first.SetResult();
        Assert.Equal(first, await blocked);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(50, Node.GetProcessInfo(server)!.MessageQueueLength);
        var later = Enumerable.Range(0, 50).Select(i => GenServer.CallAsync(server, i, Timeout.InfiniteTimeSpan).AsTask()).ToList();
        Node.Exit(server, ExitReason.Kill);
        foreach (var call in batched.Concat(later))
        {
            var ex = await Assert.ThrowsAsync<CallException>(() => call.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal(ExitReason.Killed, ex.Reason);
        }

        second.SetResult();
    }

    [Fact]
    public async Task Cast_ToAPlainProcess_ArrivesAsACastMessage_AndInOrderWithOtherMessages()
    {
        await using var probe = new Probe();
        var received = new TaskCompletionSource<List<object>>();
        var pid = probe.Node.Spawn(async ctx =>
        {
            var messages = new List<object>();
            for (var i = 0; i < 3; i++)
            {
                messages.Add(await ctx.ReceiveAsync());
            }

            received.SetResult(messages);
        });
        pid.Send("before");
        GenServer.Cast(pid, "request");
        pid.Send("after");
        var got = await received.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("before", got[0]);
        Assert.Equal("CastRequest { Request = request }", got[1].ToString());
        Assert.Equal("after", got[2]);
    }

    [Fact]
    public async Task Call_DeadServer_FailsWithNoproc()
    {
        await using var probe = new Probe();
        var start = await GenServer.StartAsync(probe.Node, () => new Stack());
        await GenServer.StopAsync(start.Pid);
        var ex = await Assert.ThrowsAsync<CallException>(async () => await GenServer.CallAsync(start.Pid, "pop"));
        Assert.Equal(ExitReason.NoProc, ex.Reason);
        Assert.Contains("no process", ex.Message);
        var none = await Assert.ThrowsAsync<CallException>(async () => await GenServer.CallAsync(probe.Node.WhereIs("nobody"), "pop"));
        Assert.Equal(ExitReason.NoProc, none.Reason);
    }

    [Fact]
    public async Task Call_Timeout_DefaultsToFiveSecondsAndLateReplyIsDropped()
    {
        await using var probe = new Probe(manualTime: true);
        var start = await GenServer.StartAsync(probe.Node, () => new Scripted(probe.Log));
        var call = GenServer.CallAsync(start.Pid, "hold").AsTask();
        await probe.Time!.WaitForTimersAsync();
        probe.Time.Advance(TimeSpan.FromMilliseconds(4999));
        Assert.False(call.IsCompleted);
        probe.Time.Advance(TimeSpan.FromMilliseconds(1));
        var ex = await Assert.ThrowsAsync<CallException>(() => call);
        Assert.Equal(ExitReason.Timeout, ex.Reason);
        Assert.Contains("timed out", ex.Message);
        Assert.Equal("ok", await GenServer.CallAsync<string>(start.Pid, "release", Timeout.InfiniteTimeSpan));
    }

    [Fact]
    public async Task ReplyLater_FromAnotherCall()
    {
        await using var probe = new Probe();
        var start = await GenServer.StartAsync(probe.Node, () => new Scripted(probe.Log));
        var held = GenServer.CallAsync(start.Pid, "hold").AsTask();
        Assert.Equal("ok", await GenServer.CallAsync<string>(start.Pid, "release"));
        Assert.Equal("released", await held.WaitAsync(Probe.Deadline));
    }

    [Fact]
    public async Task Continue_RunsBeforeNextMessage()
    {
        await using var probe = new Probe();
        var start = await GenServer.StartAsync(probe.Node, () => new Scripted(probe.Log));
        await GenServer.CallAsync(start.Pid, "continue");
        start.Pid.Send("next");
        await probe.Log.WaitForAsync("info next");
        Assert.Equal(["continue after", "info next"], probe.Log.Snapshot());
    }

    [Fact]
    public async Task Timeout_DeliversTimeoutInfo()
    {
        await using var probe = new Probe(manualTime: true);
        var start = await GenServer.StartAsync(probe.Node, () => new Scripted(probe.Log));
        await GenServer.CallAsync(start.Pid, "idle", Timeout.InfiniteTimeSpan);
        await probe.Time!.WaitForTimersAsync();
        probe.Time.Advance(TimeSpan.FromSeconds(1));
        await probe.Log.WaitForAsync("info timeout");
    }

    [Fact]
    public async Task Init_Ignore_And_Stop_And_Crash()
    {
        await using var probe = new Probe();
        var ignored = await GenServer.StartAsync(probe.Node, () => new Worker("i", probe.Log, new WorkerOptions { Init = InitResult.Ignore }));
        Assert.True(ignored.IsIgnore);
        var stopped = await GenServer.StartAsync(probe.Node, () => new Worker("s", probe.Log, new WorkerOptions { Init = () => InitResult.Stop(ExitReason.Of("no")) }));
        Assert.Equal(ExitReason.Of("no"), stopped.Error);
        var crashed = await GenServer.StartAsync(probe.Node, () => new Worker("c", probe.Log, new WorkerOptions { CrashInInit = true }));
        Assert.Equal(ExitReasonKind.Exception, crashed.Error!.Kind);
        Assert.Equal(0, probe.Node.ProcessCount);
    }

    [Fact]
    public async Task StartLink_FailedInit_LeavesNoExitWithTrappingParent()
    {
        await using var probe = new Probe();
        var outcome = new TaskCompletionSource<(StartResult, object?)>();
        probe.Node.Spawn(async ctx =>
        {
            ctx.TrapExit = true;
            var result = await GenServer.StartLinkAsync(ctx, () => new Worker("c", probe.Log, new WorkerOptions { CrashInInit = true }));
            outcome.SetResult((result, await ctx.ReceiveAsync(TimeSpan.Zero)));
        });
        var (start, leaked) = await outcome.Task.WaitAsync(Probe.Deadline);
        Assert.True(start.IsError);
        Assert.Null(leaked);
    }

    [Fact]
    public async Task StartTimeout_KillsSlowInitAndReturnsTimeout()
    {
        await using var probe = new Probe(manualTime: true);
        var gate = new TaskCompletionSource();
        var start = GenServer.StartAsync(probe.Node, () => new SlowInit(gate.Task), options: new GenServerOptions { StartTimeout = TimeSpan.FromSeconds(1) }).AsTask();
        await probe.Time!.WaitForTimersAsync();
        probe.Time.Advance(TimeSpan.FromSeconds(1));
        var result = await start.WaitAsync(Probe.Deadline);
        Assert.Equal(ExitReason.Timeout, result.Error);
        gate.SetResult();
    }

    [Fact]
    public async Task StartCancelled_KillsTheStartingServerAndThrows()
    {
        await using var probe = new Probe();
        var gate = new TaskCompletionSource();
        using var cancel = new CancellationTokenSource();
        var start = GenServer.StartAsync(probe.Node, () => new SlowInit(gate.Task), cancellationToken: cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => start.WaitAsync(Probe.Deadline));
        gate.SetResult();
        Assert.Equal(0, probe.Node.ProcessCount);

        // A supervisor's start is cancelled the same way, with the children it had started.
        var slowChild = new ChildSpec { Id = "slow", Start = (sup, _) => GenServer.StartLinkAsync(sup, () => new SlowInit(new TaskCompletionSource().Task)) };
        using var cancelTree = new CancellationTokenSource();
        var tree = Supervisor.StartAsync(probe.Node, [slowChild], cancellationToken: cancelTree.Token).AsTask();
        await cancelTree.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => tree.WaitAsync(Probe.Deadline));
        Assert.Equal(0, probe.Node.ProcessCount);
    }

    private sealed class SlowInit(Task gate) : GenServer
    {
        protected override async ValueTask<InitResult> InitAsync(object? argument)
        {
            await gate;
            return InitResult.Ok();
        }
    }

    [Fact]
    public async Task Terminate_OnParentShutdown_RunsOnlyWhenTrapping()
    {
        await using var probe = new Probe();
        var trapping = await StartUnderParent(probe, trap: true, "t");
        var plain = await StartUnderParent(probe, trap: false, "p");
        Node.Exit(trapping.Parent, ExitReason.Shutdown);
        Node.Exit(plain.Parent, ExitReason.Shutdown);
        Assert.Equal(ExitReason.Shutdown, await Probe.ExitOf(trapping.Server));
        Assert.Equal(ExitReason.Shutdown, await Probe.ExitOf(plain.Server));
        Assert.Equal(1, probe.Log.Count("stop t"));
        Assert.Equal(0, probe.Log.Count("stop p"));
    }

    private static async Task<(Pid Parent, Pid Server)> StartUnderParent(Probe probe, bool trap, string id)
    {
        var server = new TaskCompletionSource<Pid>();
        var parent = probe.Node.Spawn(async ctx =>
        {
            ctx.TrapExit = true;
            var r = await GenServer.StartLinkAsync(ctx, () => new Worker(id, probe.Log, new WorkerOptions { TrapExit = trap }));
            server.SetResult(r.Pid);
            var exit = (ExitMessage)(await ctx.ReceiveAsync(m => m is ExitMessage e && e.From.IsNone, Timeout.InfiniteTimeSpan))!;
            throw new ExitException(exit.Reason);
        });
        return (parent, await server.Task.WaitAsync(Probe.Deadline));
    }

    [Fact]
    public async Task StopResult_RunsTerminate_AndRepliesFirst()
    {
        await using var probe = new Probe();
        var start = await GenServer.StartAsync(probe.Node, () => new Worker("w", probe.Log, new()));
        Assert.Equal("stopping", await GenServer.CallAsync<string>(start.Pid, ExitReason.ShutdownWith("done")));
        Assert.Equal(ExitReason.ShutdownWith("done"), await Probe.ExitOf(start.Pid));
        Assert.Equal(1, probe.Log.Count("stop w"));
    }

    [Fact]
    public async Task StopAsync_RunsTerminateEvenWithoutTrapping()
    {
        await using var probe = new Probe();
        var start = await GenServer.StartAsync(probe.Node, () => new Worker("w", probe.Log, new()));
        Assert.Equal(ExitReason.Normal, await GenServer.StopAsync(start.Pid));
        Assert.Equal(1, probe.Log.Count("stop w"));
        var ex = await Assert.ThrowsAsync<CallException>(() => GenServer.StopAsync(start.Pid));
        Assert.Equal(ExitReason.NoProc, ex.Reason);
    }

    [Fact]
    public async Task UnexpectedCall_CrashesTheServer()
    {
        await using var probe = new Probe();
        var start = await GenServer.StartAsync(probe.Node, () => new Stack());
        var ex = await Assert.ThrowsAsync<CallException>(async () => await GenServer.CallAsync(start.Pid, "what"));
        Assert.Contains("unexpected call", ex.Message);
        Assert.False(start.Pid.IsAlive);
    }

    [Fact]
    public async Task Agent_GetUpdateGetAndUpdateCast()
    {
        await using var probe = new Probe();
        var agent = (await Agent.StartAsync(probe.Node, () => new Dictionary<string, int>())).Pid;
        await Agent.UpdateAsync<Dictionary<string, int>>(agent, d => { d["eggs"] = 3; return d; });
        Assert.Equal(3, await Agent.GetAsync<Dictionary<string, int>, int>(agent, d => d["eggs"]));
        var old = await Agent.GetAndUpdateAsync<Dictionary<string, int>, int>(agent, d =>
        {
            var v = d["eggs"];
            d["eggs"] = 4;
            return (v, d);
        });
        Assert.Equal(3, old);
        Agent.Cast<Dictionary<string, int>>(agent, d => { d["milk"] = 1; return d; });
        Assert.Equal(2, await Agent.GetAsync<Dictionary<string, int>, int>(agent, d => d.Count));
        Assert.Equal(ExitReason.Shutdown, await Agent.StopAsync(agent, ExitReason.Shutdown));
    }
}
