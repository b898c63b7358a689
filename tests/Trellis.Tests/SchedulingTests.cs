using Trellis.Tests.Fakes;

namespace Trellis.Tests;

/// <summary>
/// The hand-overs that save thread-pool hops (an answer run at the end of the server's slice, a supervisor run on the
/// thread of the child that exited) never let one side block the other.
/// </summary>
public class SchedulingTests
{
    private sealed class Echo : GenServer
    {
        protected override ServerResult HandleCall(object request, From from) => Reply(request);
    }

    [Fact]
    public async Task ACallerThatBlocksOnTheSameServerAfterItsAnswer_DoesNotDeadlock()
    {
        await using var probe = new Probe();
        var server = (await GenServer.StartAsync(probe.Node, () => new Echo())).Pid;
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(i, await GenServer.CallAsync(server, i));

            // Whatever thread this continuation runs on, a blocking wait for the server's next answer completes.
#pragma warning disable xUnit1031 // Blocking is what this test is about.
            Assert.True(GenServer.CallAsync(server, -i).AsTask().Wait(Probe.Deadline), "the blocking call was answered");
#pragma warning restore xUnit1031
        }
    }

    [Fact]
    public async Task AProcessThatBlocksAfterItsAnswer_DoesNotDeadlock()
    {
        await using var probe = new Probe();
        var server = (await GenServer.StartAsync(probe.Node, () => new Echo())).Pid;
        var done = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        probe.Node.Spawn(async ctx =>
        {
            var sum = 0;
            for (var i = 0; i < 200; i++)
            {
                sum += (int)(await GenServer.CallAsync(server, 1))!;
                sum += GenServer.CallAsync<int>(server, 1).AsTask().Wait(Probe.Deadline) ? 1 : 0;
            }

            done.SetResult(sum);
        });
        Assert.Equal(400, await done.Task.WaitAsync(Probe.Deadline));
    }

    [Fact]
    public async Task AnEscalationThroughManyLevels_EndsEveryLevel()
    {
        // Ten supervisors deep, each giving up at once: the exits run inline only a few levels deep, the rest queue.
        await using var probe = new Probe();
        ChildSpec level = Worker.Spec("leaf", probe.Log);
        for (var i = 0; i < 10; i++)
        {
            var inner = level;
            level = ChildSpec.ForSupervisor("level" + i, new SupervisorFlags { Intensity = 0, Period = TimeSpan.FromSeconds(5) }, [inner]);
        }

        var top = await probe.StartSupervisorAsync(new SupervisorFlags { Intensity = 0, Period = TimeSpan.FromSeconds(5) }, level);
        var pid = top;
        for (var i = 9; i >= 0; i--)
        {
            pid = await Probe.ChildPid(pid, "level" + i);
        }

        var leaf = await Probe.ChildPid(pid, "leaf");
        Node.Exit(leaf, ExitReason.Kill);
        Assert.Equal(ExitReason.Shutdown, await Probe.ExitOf(top));
        Assert.Equal(0, probe.Node.ProcessCount);
    }
}
