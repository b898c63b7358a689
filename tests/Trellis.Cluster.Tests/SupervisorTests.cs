using static Trellis.Cluster.Tests.PidIdentity;
using Trellis.Cluster.Internal;

namespace Trellis.Cluster.Tests;

[Collection("etcd")]
public sealed class SupervisorTests(SharedEtcd etcd)
{
    private static ClusterSupervisorSpec Three(string id, Strategy strategy = Strategy.OneForOne) => new(id)
    {
        Flags = new SupervisorFlags { Strategy = strategy, Intensity = 3, Period = TimeSpan.FromSeconds(30) },
        Children = [.. new[] { "a", "b", "c" }.Select(c => new ClusterChildSpec(c, "worker") { Argument = c })],
    };

    [Fact]
    public async Task Children_SpreadOverTheNodes_AndACrashIsRestarted()
    {
        await using var cluster = await TestCluster.StartAsync(etcd.Server.Endpoint, 3);
        var sup = await ClusterSupervisor.StartAsync(cluster[0], Three("spread"));
        Assert.True(sup.IsOk, sup.ToString());
        var children = await ClusterSupervisor.WhichChildrenAsync(sup.Pid);
        Assert.Equal(["a", "b", "c"], children.Select(c => c.Id));
        Assert.True(3 == children.Select(c => c.Node).Distinct().Count(), string.Join(", ", children.Select(c => $"{c.Id}@{c.Node}")));
        var b = children[1];
        Assert.Equal("crashing", await GenServer.CallAsync(b.Pid, "crash"));
        var again = await cluster.Sink.WaitForAsync<Started>(s => s.Child == "b" && !Same(s.Pid, b.Pid));
        Assert.False(Same(b.Pid, again.Pid));
        var now = await ClusterSupervisor.WhichChildrenAsync(sup.Pid);
        Assert.True(Same(again.Pid, now[1].Pid));
        Assert.Equal(children[0].Pid, now[0].Pid);
        Assert.Equal(children[2].Pid, now[2].Pid);
    }

    [Fact]
    public async Task RestForOne_RestartsTheLaterSiblings_InOrder()
    {
        await using var cluster = await TestCluster.StartAsync(etcd.Server.Endpoint, 2);
        var sup = await ClusterSupervisor.StartAsync(cluster[0], Three("rest", Strategy.RestForOne));
        Assert.True(sup.IsOk, sup.ToString());
        var before = await ClusterSupervisor.WhichChildrenAsync(sup.Pid);
        await GenServer.CallAsync(before[1].Pid, "crash");
        await cluster.Sink.WaitForAsync<Stopped>(s => Same(s.Pid, before[2].Pid));
        var b = await cluster.Sink.WaitForAsync<Started>(s => s.Child == "b" && !Same(s.Pid, before[1].Pid));
        var c = await cluster.Sink.WaitForAsync<Started>(s => s.Child == "c" && !Same(s.Pid, before[2].Pid));
        var after = await ClusterSupervisor.WhichChildrenAsync(sup.Pid);
        Assert.Equal(before[0].Pid, after[0].Pid);
        Assert.True(Same(b.Pid, after[1].Pid) && Same(c.Pid, after[2].Pid));
    }

    [Fact]
    public async Task AChildsNodeLeaving_RestartsItOnAnotherNode_AndNeverTwoCopies()
    {
        await using var cluster = await TestCluster.StartAsync(etcd.Server.Endpoint, 3);
        var sup = await ClusterSupervisor.StartAsync(cluster[0], Three("move"));
        Assert.True(sup.IsOk, sup.ToString());
        var children = await ClusterSupervisor.WhichChildrenAsync(sup.Pid);
        var onTwo = children.Single(c => c.Node == cluster[2].Name);
        var leaving = cluster[2].Name;
        await cluster.LeaveAsync(2);
        var stopped = await cluster.Sink.WaitForAsync<Stopped>(s => Same(s.Pid, onTwo.Pid));
        var moved = await cluster.Sink.WaitForAsync<Started>(s => s.Child == onTwo.Id && !Same(s.Pid, onTwo.Pid));
        Assert.NotEqual(leaving, moved.Node);
        Assert.NotNull(stopped);
        Assert.Equal(moved.Node, await GenServer.CallAsync(moved.Pid, "where"));
    }

    [Fact]
    public async Task TheOwnersLeaseEnding_StopsEveryChild_NoOrphans()
    {
        await using var cluster = await TestCluster.StartAsync(etcd.Server.Endpoint, 3);
        var sup = await ClusterSupervisor.StartAsync(cluster[0], Three("owner"));
        Assert.True(sup.IsOk, sup.ToString());
        var children = await ClusterSupervisor.WhichChildrenAsync(sup.Pid);
        // The owner's node is lost to the store (its lease ends): the hosts stop the children, the owner fences.
        await cluster[0].Core.Store.RevokeAsync(cluster[0].Incarnation, default);
        foreach (var child in children)
        {
            await cluster.Sink.WaitForAsync<Stopped>(s => Same(s.Pid, child.Pid));
        }

        var exit = await Node.WaitForExitAsync(sup.Pid).WaitAsync(Sink.Deadline);
        Assert.True(exit.IsShutdown, exit.ToString());
    }

    [Fact]
    public async Task StoppingTheSupervisor_StopsItsChildren_AndReleasesTheId()
    {
        await using var cluster = await TestCluster.StartAsync(etcd.Server.Endpoint, 2);
        var first = await ClusterSupervisor.StartAsync(cluster[0], Three("once"));
        Assert.True(first.IsOk, first.ToString());
        var second = await ClusterSupervisor.StartAsync(cluster[1], Three("once"));
        Assert.True(second.IsError);
        Assert.Contains("already_started", second.Error!.ToString(), StringComparison.Ordinal);
        var children = await ClusterSupervisor.WhichChildrenAsync(first.Pid);
        await GenServer.StopAsync(first.Pid);
        foreach (var child in children)
        {
            await cluster.Sink.WaitForAsync<Stopped>(s => Same(s.Pid, child.Pid));
        }

        var third = await ClusterSupervisor.StartAsync(cluster[1], Three("once"));
        Assert.True(third.IsOk, third.ToString());
    }

    [Fact]
    public async Task AnAgent_RefusesAStartWithAStaleEpoch()
    {
        await using var cluster = await TestCluster.StartAsync(etcd.Server.Endpoint, 2);
        var sup = await ClusterSupervisor.StartAsync(cluster[0], Three("epoch"));
        Assert.True(sup.IsOk, sup.ToString());
        var owner = await cluster[0].Core.Store.GetAsync(cluster[0].Core.Keys.Owner("epoch"), default);
        var epoch = owner.Kvs[0].CreateRevision;
        var stale = await cluster[1].AskAgentAsync(Protocol.StartRequest("epoch", "z", epoch - 1, "worker", "z", 100, null), default);
        Assert.Equal("stale_epoch", ClusterNode.ErrorText(stale));
        var none = await cluster[1].AskAgentAsync(Protocol.StartRequest("nobody", "z", 5, "worker", "z", 100, null), default);
        Assert.Equal("stale_epoch", ClusterNode.ErrorText(none));
        var stop = await cluster[1].AskAgentAsync(Protocol.StopRequest("epoch", "a", epoch - 1), default);
        Assert.Equal("stale_epoch", ClusterNode.ErrorText(stop));
    }

    [Fact]
    public async Task TerminateRestartDeleteAndStartChild()
    {
        await using var cluster = await TestCluster.StartAsync(etcd.Server.Endpoint, 2);
        var sup = await ClusterSupervisor.StartAsync(cluster[0], Three("api"));
        Assert.True(sup.IsOk, sup.ToString());
        var a = (await ClusterSupervisor.WhichChildrenAsync(sup.Pid))[0];
        Assert.Null(await ClusterSupervisor.TerminateChildAsync(sup.Pid, "a"));
        await cluster.Sink.WaitForAsync<Stopped>(s => Same(s.Pid, a.Pid));
        Assert.Equal(ExitReason.Atom("running"), await ClusterSupervisor.DeleteChildAsync(sup.Pid, "b"));
        Assert.Null(await ClusterSupervisor.RestartChildAsync(sup.Pid, "a"));
        Assert.False((await ClusterSupervisor.WhichChildrenAsync(sup.Pid))[0].Pid.IsNone);
        Assert.Null(await ClusterSupervisor.StartChildAsync(sup.Pid, new ClusterChildSpec("d", "worker") { Argument = "d" }));
        Assert.Equal(ExitReason.Atom("already_present"), await ClusterSupervisor.StartChildAsync(sup.Pid, new ClusterChildSpec("d", "worker")));
        Assert.Null(await ClusterSupervisor.TerminateChildAsync(sup.Pid, "d"));
        Assert.Null(await ClusterSupervisor.DeleteChildAsync(sup.Pid, "d"));
        Assert.Equal(["a", "b", "c"], (await ClusterSupervisor.WhichChildrenAsync(sup.Pid)).Select(c => c.Id));
        Assert.Equal(ExitReason.Atom("not_found"), await ClusterSupervisor.TerminateChildAsync(sup.Pid, "zz"));
    }

    [Fact]
    public async Task Labels_ConstrainPlacement_AndAnUnplaceableChildFailsTheStart()
    {
        await using var cluster = await TestCluster.StartAsync(etcd.Server.Endpoint, 3, labels: i => new Dictionary<string, string> { ["zone"] = i == 1 ? "b" : "a" });
        var spec = new ClusterSupervisorSpec("labels") { Children = [new ClusterChildSpec("z", "worker") { Argument = "z", Labels = new Dictionary<string, string> { ["zone"] = "b" } }] };
        var sup = await ClusterSupervisor.StartAsync(cluster[0], spec);
        Assert.True(sup.IsOk, sup.ToString());
        Assert.Equal(cluster[1].Name, (await ClusterSupervisor.WhichChildrenAsync(sup.Pid))[0].Node);
        var none = await ClusterSupervisor.StartAsync(cluster[0], new ClusterSupervisorSpec("nolabel") { Children = [new ClusterChildSpec("q", "worker") { Labels = new Dictionary<string, string> { ["zone"] = "c" } }] });
        Assert.True(none.IsError);
        Assert.Contains("no_node", none.Error!.ToString(), StringComparison.Ordinal);
    }
}
