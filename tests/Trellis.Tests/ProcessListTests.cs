using Trellis.Tests.Fakes;

namespace Trellis.Tests;

/// <summary>Node.GetProcesses, for observers: the trees through links by default, every process when tracked.</summary>
public class ProcessListTests
{
    private static async Task<(Node Node, Pid Sup, Pid Loner, Pid Spawner)> StartAsync(bool track)
    {
        var node = new Node(new NodeOptions { Name = "list-" + Guid.NewGuid(), TrackProcesses = track });
        var log = new EventLog();
        var sup = await Supervisor.StartAsync(node, [Worker.Spec("a", log), Worker.Spec("b", log)], new SupervisorFlags(), name: "listed");
        Assert.True(sup.IsOk);

        // A process spawned unlinked from inside another: nothing links to it.
        var loner = new TaskCompletionSource<Pid>();
        var spawner = node.Spawn(async ctx =>
        {
            loner.SetResult(ctx.Spawn(async c => await c.ReceiveAsync(m => m is "stop", Probe.Deadline)));
            await ctx.ReceiveAsync(m => m is "stop", Probe.Deadline);
        });
        return (node, sup.Pid, await loner.Task.WaitAsync(Probe.Deadline), spawner);
    }

    [Fact]
    public async Task Untracked_ListsTheTreesAndRootsThroughTheirLinks()
    {
        var (node, sup, loner, spawner) = await StartAsync(track: false);
        await using (node)
        {
            var listed = node.GetProcesses();
            var children = (await Supervisor.WhichChildrenAsync(sup)).Select(c => c.Pid).ToList();
            Assert.Equal([sup, .. children.OrderBy(p => p.Id), spawner], listed.Select(p => p.Pid).OrderBy(p => p.Id));
            Assert.DoesNotContain(loner, listed.Select(p => p.Pid));
            Assert.Equal("supervisor", listed.Single(p => p.Pid == sup).Behaviour);
            Assert.False(node.TracksProcesses);
            Assert.True(node.FindProcess(loner.Id).IsNone);
            loner.Send("stop");
            spawner.Send("stop");
        }
    }

    [Fact]
    public async Task Tracked_ListsEveryLiveProcessInPidOrder_AndForgetsTheDead()
    {
        var (node, sup, loner, spawner) = await StartAsync(track: true);
        await using (node)
        {
            var listed = node.GetProcesses();
            Assert.Contains(loner, listed.Select(p => p.Pid));
            Assert.Equal(node.ProcessCount, listed.Count);
            Assert.Equal(listed.Select(p => p.Pid.Id).Order(), listed.Select(p => p.Pid.Id));
            Assert.Equal(loner, node.FindProcess(loner.Id));
            loner.Send("stop");
            await Node.WaitForExitAsync(loner).WaitAsync(Probe.Deadline);
            Assert.DoesNotContain(loner, node.GetProcesses().Select(p => p.Pid));
            Assert.True(node.FindProcess(loner.Id).IsNone);
            Assert.Equal("listed", node.GetProcesses().Single(p => p.Pid == sup).RegisteredName);
            spawner.Send("stop");
        }
    }
}
