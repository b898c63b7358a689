using Trellis.Tests.Fakes;

namespace Trellis.Tests;

/// <summary>Every restart type against every kind of exit reason.</summary>
public class RestartMatrixTests
{
    public static TheoryData<RestartType, string> Cells()
    {
        var data = new TheoryData<RestartType, string>();
        foreach (var type in Enum.GetValues<RestartType>())
        {
            foreach (var reason in new[] { "normal", "shutdown", "shutdown_detail", "crash", "killed" })
            {
                data.Add(type, reason);
            }
        }

        return data;
    }

    private static ExitReason ReasonFor(string name) => name switch
    {
        "normal" => ExitReason.Normal,
        "shutdown" => ExitReason.Shutdown,
        "shutdown_detail" => ExitReason.ShutdownWith("detail"),
        "crash" => ExitReason.Of("boom"),
        _ => ExitReason.Killed,
    };

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task RestartType_ExitReason_FollowsTheTable(RestartType type, string reasonName)
    {
        await using var probe = new Probe();
        var sup = await probe.StartSupervisorAsync(new SupervisorFlags { Intensity = 10 }, Worker.Spec("c", probe.Log, restart: type));
        var before = await Probe.ChildPid(sup, "c");
        var reason = ReasonFor(reasonName);
        if (reasonName == "killed")
        {
            await Probe.KillAndSync(sup, before);
        }
        else
        {
            await GenServer.CallAsync(before, reason);
            Assert.Equal(reason, await Probe.ExitOf(before));
            await Supervisor.CountChildrenAsync(sup);
        }

        var restarted = type == RestartType.Permanent || (type == RestartType.Transient && !reason.IsOrderly);
        var children = await Supervisor.WhichChildrenAsync(sup);
        var counts = await Supervisor.CountChildrenAsync(sup);
        if (restarted)
        {
            var child = Assert.Single(children);
            Assert.Equal(ChildStatus.Running, child.Status);
            Assert.NotEqual(before, child.Pid);
            Assert.Equal(1, child.Restarts);
            Assert.Equal(new ChildCounts(1, 1, 0, 1), counts);
        }
        else if (type == RestartType.Transient)
        {
            var child = Assert.Single(children);
            Assert.Equal(ChildStatus.Undefined, child.Status);
            Assert.True(child.Pid.IsNone);
            Assert.Equal(new ChildCounts(1, 0, 0, 1), counts);
        }
        else
        {
            Assert.Empty(children);
            Assert.Equal(new ChildCounts(0, 0, 0, 0), counts);
        }

        Assert.True(sup.IsAlive);
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task IntensityZero_EveryCountedRestartKillsTheSupervisor(RestartType type, string reasonName)
    {
        await using var probe = new Probe();
        var sup = await probe.StartSupervisorAsync(new SupervisorFlags { Intensity = 0 }, Worker.Spec("c", probe.Log, restart: type));
        var child = await Probe.ChildPid(sup, "c");
        var reason = ReasonFor(reasonName);
        if (reasonName == "killed")
        {
            Node.Exit(child, ExitReason.Kill);
        }
        else
        {
            await GenServer.CallAsync(child, reason);
        }

        var counts = type == RestartType.Permanent || (type == RestartType.Transient && !reason.IsOrderly);
        if (counts)
        {
            Assert.Equal(ExitReason.Shutdown, await Probe.ExitOf(sup));
        }
        else
        {
            await Probe.ExitOf(child);
            await Supervisor.CountChildrenAsync(sup);
            Assert.True(sup.IsAlive);
        }
    }
}
