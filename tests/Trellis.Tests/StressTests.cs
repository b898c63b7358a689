using Trellis.Tests.Fakes;

namespace Trellis.Tests;

/// <summary>Random crashes in a three-level tree for a bounded time, then the invariants.</summary>
public class StressTests
{
    [Fact]
    public async Task RandomCrashesInThreeLevelTree_KeepInvariants()
    {
        await using var probe = new Probe();
        var log = probe.Log;
        var loose = new SupervisorFlags { Intensity = 1_000_000, Period = TimeSpan.FromSeconds(1) };
        ChildSpec Mid(string id, Strategy strategy) => ChildSpec.ForSupervisor(
            id,
            loose with { Strategy = strategy },
            Enumerable.Range(0, 5).Select(i => Worker.Spec($"{id}.w{i}", log, new WorkerOptions { TrapExit = i % 2 == 0 }, i == 4 ? RestartType.Transient : RestartType.Permanent)));
        var root = await probe.StartSupervisorAsync(loose, Mid("one", Strategy.OneForOne), Mid("all", Strategy.OneForAll), Mid("rest", Strategy.RestForOne));
        var mids = (await Supervisor.WhichChildrenAsync(root)).Select(c => ((string)c.Id!, c.Pid)).ToList();

        var until = DateTime.UtcNow + TimeSpan.FromSeconds(2);
        async Task Crasher(int seed)
        {
            var random = new Random(seed);
            while (DateTime.UtcNow < until)
            {
                var (_, mid) = mids[random.Next(mids.Count)];
                var running = (await Supervisor.WhichChildrenAsync(mid)).Where(c => c.Status == ChildStatus.Running).ToList();
                if (running.Count == 0)
                {
                    continue;
                }

                var victim = running[random.Next(running.Count)].Pid;
                switch (random.Next(3))
                {
                    case 0:
                        Node.Exit(victim, ExitReason.Kill);
                        break;
                    case 1:
                        GenServer.Cast(victim, "crash");
                        break;
                    default:
                        Node.Exit(victim, ExitReason.Of("random"));
                        break;
                }
            }
        }

        await Task.WhenAll(Crasher(1), Crasher(2)).WaitAsync(TimeSpan.FromSeconds(30));

        // Quiesce. A "crash" cast may still wait in a child's mailbox: a call to every child is served after it (and
        // fails if the cast crashed the child). Then each supervisor serves a call only after the exits queued before it.
        foreach (var (_, mid) in mids)
        {
            foreach (var child in await Supervisor.WhichChildrenAsync(mid))
            {
                try
                {
                    await GenServer.CallAsync(child.Pid, "ping");
                }
                catch (CallException)
                {
                    // It was dead already, or the waiting cast crashed it: its supervisor hears of it before our call.
                }
            }
        }

        var expected = 1 + mids.Count;
        foreach (var (name, mid) in mids)
        {
            Assert.True(mid.IsAlive, $"{name} must still be up");
            await Supervisor.CountChildrenAsync(mid);
            foreach (var child in await Supervisor.WhichChildrenAsync(mid))
            {
                var id = (string)child.Id!;
                if (!id.EndsWith("w4", StringComparison.Ordinal))
                {
                    Assert.Equal(ChildStatus.Running, child.Status);
                    Assert.True(child.Pid.IsAlive, $"{id} must be alive");
                }

                if (child.Status == ChildStatus.Running)
                {
                    expected++;
                }

                Assert.Equal(log.Count("start " + id) - 1, child.Restarts);
            }
        }

        Assert.Equal(mids.Select(m => m.Pid), (await Supervisor.WhichChildrenAsync(root)).Select(c => c.Pid));
        Assert.Equal(expected, probe.Node.ProcessCount);
        Assert.Equal(ExitReason.Normal, await Supervisor.StopAsync(root));
        Assert.Equal(0, probe.Node.ProcessCount);
    }
}
