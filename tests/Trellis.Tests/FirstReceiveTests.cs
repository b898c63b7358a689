using System.Diagnostics;
using Trellis.Internal;
using Trellis.Tests.Fakes;

namespace Trellis.Tests;

/// <summary>Runs alone: its first test raises the bound of a spin every call to a starting server makes.</summary>
[CollectionDefinition(nameof(FirstReceiveTests), DisableParallelization = true)]
public sealed class RunsAlone;

/// <summary>
/// A call to a server still in a start that runs on another thread (its init on its starter's thread) waits, for a
/// bounded moment, for the server's first receive, and then runs the server on the caller's thread like any call to a
/// waiting server (LocalProcess.AwaitReadyForCaller).
/// </summary>
[Collection(nameof(FirstReceiveTests))]
public class FirstReceiveTests
{
    [Fact]
    public async Task ACallWhileTheServersInitEndsOnAnotherThread_WaitsForItsFirstReceive_AndRunsOnTheCallersThread()
    {
        // Init ends the moment the caller begins its call, and the server then needs some hundreds of nanoseconds to
        // reach its receive: a caller that did not wait for it would queue its call. The spin is made long here, so
        // that a starter thread descheduled on a busy machine cannot outlast it; nothing else runs meanwhile.
        if (Environment.ProcessorCount == 1)
        {
            return; // The caller only waits for the server on more than one core.
        }

        await using var probe = new Probe();
        var idle = (await GenServer.StartAsync(probe.Node, () => new Starting(null))).Pid;
        var spins = LocalProcess.FirstReceiveSpins;
        LocalProcess.FirstReceiveSpins = 20_000_000;
        try
        {
            for (var attempt = 0; attempt < 5; attempt++)
            {
                var init = new InitGate();
                var start = Task.Run(() => GenServer.StartAsync(probe.Node, () => new Starting(init)).AsTask());
                Assert.True(init.Entered.Wait(Probe.Deadline), "init began");
                var (caller, answered, call) = await Task.Run(async () =>
                {
                    await GenServer.CallAsync(idle, "warm");
                    var thread = Environment.CurrentManagedThreadId;
                    init.Release();
                    var task = GenServer.CallAsync(init.Self, "thread").AsTask();
                    return (thread, task.IsCompleted, task);
                }).WaitAsync(Probe.Deadline);
                Assert.True((await start.WaitAsync(Probe.Deadline)).IsOk);
                Assert.True(answered, $"call {attempt} was answered before it returned");
                Assert.Equal(caller, await call.WaitAsync(Probe.Deadline));
            }
        }
        finally
        {
            LocalProcess.FirstReceiveSpins = spins;
        }
    }

    [Fact]
    public async Task ACallWhileTheServersInitStillRuns_IsQueuedAfterABriefSpin_AndAnsweredWhenInitEnds()
    {
        await using var probe = new Probe();
        var init = new InitGate();
        var start = Task.Run(() => GenServer.StartAsync(probe.Node, () => new Starting(init)).AsTask());
        Assert.True(init.Entered.Wait(Probe.Deadline), "init began");

        // Init waits until the call has returned: a caller that waited for the first receive without a bound never would.
        var pending = await Task.Run<Task<object?>>(() => GenServer.CallAsync(init.Self, "thread").AsTask()).WaitAsync(Probe.Deadline);
        Assert.False(pending.IsCompleted, "answered while init still ran");
        init.Release();
        Assert.IsType<int>(await pending.WaitAsync(Probe.Deadline));
        Assert.True((await start.WaitAsync(Probe.Deadline)).IsOk);
    }

    /// <summary>Holds a <see cref="Starting"/> server in its init until released.</summary>
    private sealed class InitGate
    {
        private int _released;

        public ManualResetEventSlim Entered { get; } = new();

        public Pid Self { get; set; }

        public void Release() => Volatile.Write(ref _released, 1);

        public void WaitForRelease()
        {
            // A spin, not an event: init must end the moment it is released, as a quick init does.
            var began = Stopwatch.GetTimestamp();
            while (Volatile.Read(ref _released) == 0)
            {
                Assert.True(Stopwatch.GetElapsedTime(began) < Probe.Deadline, "init was released");
                Thread.SpinWait(1);
            }
        }
    }

    /// <summary>A server whose init waits for its gate (none: it starts at once), answering each call with its thread.</summary>
    private sealed class Starting(InitGate? gate) : GenServer
    {
        protected override InitResult Init(object? argument)
        {
            if (gate is not null)
            {
                gate.Self = Self;
                gate.Entered.Set();
                gate.WaitForRelease();
            }

            return InitResult.Ok();
        }

        protected override ServerResult HandleCall(object request, From from) => Reply(Environment.CurrentManagedThreadId);
    }
}
