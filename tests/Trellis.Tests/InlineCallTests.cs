using Trellis.Tests.Fakes;

namespace Trellis.Tests;

/// <summary>
/// A call to an idle server runs the server on the caller's thread, which would only wait for it: the answer is there
/// when the call returns. Only that one call is handled there; what the server does next goes to the thread pool.
/// Each caller runs in Task.Run, outside the test framework's synchronization context (a caller with one is queued).
/// </summary>
public class InlineCallTests
{
    private static readonly AsyncLocal<string?> Ambient = new();

    [Fact]
    public async Task ACallToAnIdleServer_IsAnsweredBeforeItReturns_OnTheCallersThread()
    {
        await using var probe = new Probe();
        var server = (await GenServer.StartAsync(probe.Node, () => new Server(new Gates()))).Pid;
        await Task.Run(async () =>
        {
            await WarmAsync(server);
            for (var i = 0; i < 20; i++)
            {
                var caller = Environment.CurrentManagedThreadId;
                var pending = GenServer.CallAsync(server, "thread");
                Assert.True(pending.IsCompleted, $"call {i} was answered before it returned");
                Assert.Equal(caller, await pending);
            }
        }).WaitAsync(Probe.Deadline);
    }

    [Fact]
    public async Task ACallersAsyncLocals_NeitherReachTheServer_NorComeBackFromIt()
    {
        await using var probe = new Probe();
        var server = (await GenServer.StartAsync(probe.Node, () => new Server(new Gates()))).Pid;
        await Task.Run(async () =>
        {
            await WarmAsync(server);
            Ambient.Value = "the caller's";
            var pending = GenServer.CallAsync(server, "ambient");
            Assert.True(pending.IsCompleted, "the server ran on the caller's thread");
            Assert.Equal("none", await pending);
            Assert.Equal("the caller's", Ambient.Value);
        }).WaitAsync(Probe.Deadline);
    }

    [Fact]
    public async Task AnAnswerGivenOnTheCallersThreadAfterTheTimeout_IsATimeout()
    {
        await using var probe = new Probe(manualTime: true);
        var server = (await GenServer.StartAsync(probe.Node, () => new Server(new Gates(), probe.Time))).Pid;
        await Task.Run(async () =>
        {
            await WarmAsync(server);
            var pending = GenServer.CallAsync(server, "late", TimeSpan.FromSeconds(5));
            Assert.True(pending.IsCompleted, "the server ran on the caller's thread");
            var error = await Assert.ThrowsAsync<CallException>(async () => await pending);
            Assert.Equal(ExitReason.Timeout, error.Reason);
            Assert.Equal("on time", await GenServer.CallAsync(server, "on time", TimeSpan.FromSeconds(5)));
        }).WaitAsync(Probe.Deadline);
    }

    [Theory]
    [InlineData("then cast")]
    [InlineData("then continue")]
    [InlineData("then stop")]
    public async Task WhatTheServerDoesAfterTheAnswer_RunsOffTheCallersThread(string request)
    {
        // The server's next step blocks until this caller has its answer: run on the caller's thread, it never would.
        await using var probe = new Probe();
        var gates = new Gates();
        var server = (await GenServer.StartAsync(probe.Node, () => new Server(gates))).Pid;
        await Task.Run(async () =>
        {
            await WarmAsync(server);
            Assert.Equal("ok", await GenServer.CallAsync(server, request));
            gates.Answered.Set();
        }).WaitAsync(Probe.Deadline);
        Assert.True(gates.NextStepDone.Wait(Probe.Deadline), "the server's next step ran once the caller had its answer");
    }

    [Fact]
    public async Task AServerThatCrashesOnItsCallersThread_IsRestarted_AndItsSupervisorAnswersNext()
    {
        // The crash ends the server on the caller's thread, and its supervisor runs there too (Wakes): nothing it
        // answers next may be held for a hand-over that never comes.
        await using var probe = new Probe();
        var gates = new Gates();
        gates.Answered.Set();
        var flags = new SupervisorFlags { Intensity = 100, Period = TimeSpan.FromSeconds(60) };
        var supervisor = await probe.StartSupervisorAsync(flags, ChildSpec.ForServer("w", () => new Server(gates), name: "inline.w"));
        await Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++)
            {
                var server = probe.Node.WhereIs("inline.w");
                await WarmAsync(server);
                var error = await Assert.ThrowsAsync<CallException>(async () => await GenServer.CallAsync(server, "die"));
                Assert.Equal(ExitReasonKind.Exception, error.Reason.Kind);
                Assert.Equal(1, (await Supervisor.CountChildrenAsync(supervisor).AsTask().WaitAsync(Probe.Deadline)).Active);
                Assert.NotEqual(server, probe.Node.WhereIs("inline.w"));
            }
        }).WaitAsync(Probe.Deadline);
        Assert.Equal(20, (await Supervisor.WhichChildrenAsync(supervisor)).Single().Restarts);
    }

    [Fact]
    public async Task ManyCallersOfOneServer_AreEachAnsweredOnce()
    {
        await using var probe = new Probe();
        var server = (await GenServer.StartAsync(probe.Node, () => new Server(new Gates()))).Pid;
        var callers = Enumerable.Range(0, 8).Select(c => Task.Run(async () =>
        {
            for (var i = 0; i < 2_000; i++)
            {
                Assert.Equal(c * 10_000 + i, await GenServer.CallAsync(server, c * 10_000 + i));
            }
        }));
        await Task.WhenAll(callers).WaitAsync(Probe.Deadline);
        Assert.Equal(16_000L, await GenServer.CallAsync(server, "count"));
    }

    private static async Task WarmAsync(Pid server)
    {
        // The first calls may be queued (the server still finishing its start); from then on it waits when called.
        for (var i = 0; i < 3; i++)
        {
            await GenServer.CallAsync(server, "thread");
        }
    }

    private sealed class Gates
    {
        public ManualResetEventSlim Answered { get; } = new();

        public ManualResetEventSlim NextStepDone { get; } = new();

        public void BlockUntilAnswered()
        {
            Assert.True(Answered.Wait(Probe.Deadline), "the caller got its answer while this step waited");
            NextStepDone.Set();
        }
    }

    private sealed class Server(Gates gates, TimeProvider? clock = null) : GenServer
    {
        private long _numbers;

        protected override ServerResult HandleCall(object request, From from)
        {
            switch (request)
            {
                case int n:
                    _numbers++;
                    return Reply(n);
                case "count":
                    return Reply(_numbers);
                case "thread":
                    return Reply(Environment.CurrentManagedThreadId);
                case "ambient":
                    var seen = Ambient.Value ?? "none";
                    Ambient.Value = "the server's";
                    return Reply(seen);
                case "late":
                    ((Trellis.Testing.TestClock)clock!).Advance(TimeSpan.FromSeconds(6));
                    return Reply("late");
                case "then cast":
                    GenServer.Cast(Self, "block");
                    return Reply("ok");
                case "then continue":
                    return Reply("ok").WithContinue("block");
                case "then stop":
                    return Stop(ExitReason.Normal, "ok");
                case "die":
                    throw new InvalidOperationException("died on the caller's thread");
                default:
                    return Reply(request);
            }
        }

        protected override ServerResult HandleCast(object request)
        {
            gates.BlockUntilAnswered();
            return NoReply();
        }

        protected override ServerResult HandleContinue(object continuation)
        {
            gates.BlockUntilAnswered();
            return NoReply();
        }

        protected override void Terminate(ExitReason reason) => gates.BlockUntilAnswered();
    }
}
