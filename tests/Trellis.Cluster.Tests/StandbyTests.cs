using static Trellis.Cluster.Tests.PidIdentity;
using Trellis.Cluster.Internal;

namespace Trellis.Cluster.Tests;

/// <summary>Standby nodes: a takeover adopts what runs, a handover keeps it running, what nobody adopts stops.</summary>
[Collection("etcd")]
public sealed class StandbyTests(SharedEtcd etcd)
{
    private static readonly Dictionary<string, string> Workers = new() { ["role"] = "worker" };

    /// <summary>n0 owns (it runs no child: its label says so), n1 and n2 run the children; every node may stand by.</summary>
    private static Task<TestCluster> StartAsync(string endpoint) =>
        TestCluster.StartAsync(endpoint, 3, labels: i => new Dictionary<string, string> { ["role"] = i == 0 ? "owner" : "worker" });

    private static ClusterSupervisorSpec Spec(string id, params string[] children) => new(id)
    {
        Standby = ["*"],
        Flags = new SupervisorFlags { Intensity = 3, Period = TimeSpan.FromSeconds(30) },
        Children = [.. children.Select(c => new ClusterChildSpec(c, "worker") { Argument = c, Labels = Workers })],
    };

    [Fact]
    public async Task WhenTheOwnersLeaseEnds_AStandbyTakesOver_AndAdoptsTheRunningChildren()
    {
        await using var cluster = await StartAsync(etcd.Server.Endpoint);
        var owner = await ClusterSupervisor.StartAsync(cluster[0], Spec("adopt", "a", "b"));
        Assert.True(owner.IsOk, owner.ToString());
        var standby = await ClusterSupervisor.StartAsync(cluster[1], Spec("adopt", "a", "b"));
        Assert.True(standby.IsOk, standby.ToString());
        var before = await ClusterSupervisor.WhichChildrenAsync(owner.Pid);
        Assert.Equal(before.Select(c => (c.Node, c.Pid.Id)), (await ClusterSupervisor.WhichChildrenAsync(standby.Pid)).Select(c => (c.Node, c.Pid.Id)));
        var runs = Watch(cluster[1], "adopt");

        await cluster[0].Core.Store.RevokeAsync(cluster[0].Incarnation, default);
        foreach (var child in before)
        {
            await runs.WaitForAsync<StoreEvent>(e => !e.Deleted && e.Key.EndsWith("/" + child.Id, StringComparison.Ordinal) && RecordCodec.Run(e.Value)!.Epoch > child.Epoch);
        }

        var after = await ClusterSupervisor.WhichChildrenAsync(standby.Pid);
        Assert.Equal(before.Select(c => c.Pid.Id), after.Select(c => c.Pid.Id));
        Assert.All(after, c => Assert.True(c.Epoch > before[0].Epoch, c.ToString()));
        Assert.DoesNotContain(cluster.Sink.Snapshot(), e => e is Stopped);

        // The hosts' grace (one TTL) ends with nothing left to stop, and the new owner supervises: a crash restarts.
        await Assert.ThrowsAsync<TimeoutException>(() => Node.WaitForExitAsync(after[1].Pid).WaitAsync(cluster[1].Options.LeaseTtl + TimeSpan.FromSeconds(1)));
        Assert.Equal("crashing", await GenServer.CallAsync(after[0].Pid, "crash"));
        var again = await cluster.Sink.WaitForAsync<Started>(s => s.Child == "a" && !Same(s.Pid, after[0].Pid));
        Assert.NotEqual(cluster[0].Name, again.Node);
    }

    [Fact]
    public async Task StoppingTheOwner_HandsOverToAStandby_AndTheChildrenKeepRunning()
    {
        await using var cluster = await StartAsync(etcd.Server.Endpoint);
        var owner = await ClusterSupervisor.StartAsync(cluster[0], Spec("handover", "a", "b"));
        var standby = await ClusterSupervisor.StartAsync(cluster[2], Spec("handover", "a", "b"));
        Assert.True(owner.IsOk && standby.IsOk, $"{owner} {standby}");
        var before = await ClusterSupervisor.WhichChildrenAsync(owner.Pid);
        var runs = Watch(cluster[2], "handover");

        await GenServer.StopAsync(owner.Pid);
        foreach (var child in before)
        {
            await runs.WaitForAsync<StoreEvent>(e => !e.Deleted && e.Key.EndsWith("/" + child.Id, StringComparison.Ordinal) && RecordCodec.Run(e.Value)!.Epoch > child.Epoch);
        }

        Assert.Equal(before.Select(c => c.Pid.Id), (await ClusterSupervisor.WhichChildrenAsync(standby.Pid)).Select(c => c.Pid.Id));
        Assert.DoesNotContain(cluster.Sink.Snapshot(), e => e is Stopped);

        // The old owner's node may stand by in its turn.
        var back = await ClusterSupervisor.StartAsync(cluster[0], Spec("handover", "a", "b"));
        Assert.True(back.IsOk, back.ToString());
        Assert.Equal(before.Select(c => (c.Node, c.Pid.Id)), (await ClusterSupervisor.WhichChildrenAsync(back.Pid)).Select(c => (c.Node, c.Pid.Id)));
    }

    [Fact]
    public async Task AChildNoStandbyKnows_StopsWhenTheGraceEnds()
    {
        await using var cluster = await StartAsync(etcd.Server.Endpoint);
        var owner = await ClusterSupervisor.StartAsync(cluster[0], Spec("grace", "a", "b"));
        var standby = await ClusterSupervisor.StartAsync(cluster[1], Spec("grace", "a"));
        Assert.True(owner.IsOk && standby.IsOk, $"{owner} {standby}");
        var before = await ClusterSupervisor.WhichChildrenAsync(owner.Pid);

        await cluster[0].Core.Store.RevokeAsync(cluster[0].Incarnation, default);
        var stopped = await cluster.Sink.WaitForAsync<Stopped>(s => Same(s.Pid, before[1].Pid));
        Assert.True(stopped.Reason.IsShutdown, stopped.Reason.ToString());
        var after = await ClusterSupervisor.WhichChildrenAsync(standby.Pid);
        Assert.Equal(["a"], after.Select(c => c.Id));
        Assert.Equal(before[0].Pid.Id, after[0].Pid.Id);
        Assert.DoesNotContain(cluster.Sink.Snapshot(), e => e is Stopped s && Same(s.Pid, before[0].Pid));
    }

    [Fact]
    public async Task AStandby_AnswersWhich_AndForwardsChildOperationsToTheOwner()
    {
        await using var cluster = await StartAsync(etcd.Server.Endpoint);
        var owner = await ClusterSupervisor.StartAsync(cluster[0], Spec("forward", "a", "b"));
        var standby = await ClusterSupervisor.StartAsync(cluster[1], Spec("forward", "a", "b"));
        Assert.True(owner.IsOk && standby.IsOk, $"{owner} {standby}");
        var a = (await ClusterSupervisor.WhichChildrenAsync(standby.Pid))[0];
        Assert.Null(await ClusterSupervisor.TerminateChildAsync(standby.Pid, "a"));
        await cluster.Sink.WaitForAsync<Stopped>(s => s.Pid.Id == a.Pid.Id && s.Node == a.Node);
        Assert.True((await ClusterSupervisor.WhichChildrenAsync(owner.Pid))[0].Pid.IsNone);
        Assert.Null(await ClusterSupervisor.RestartChildAsync(standby.Pid, "a"));
        Assert.False((await ClusterSupervisor.WhichChildrenAsync(owner.Pid))[0].Pid.IsNone);
        var added = await ClusterSupervisor.StartChildAsync(standby.Pid, new ClusterChildSpec("d", "worker"));
        Assert.Contains("standby", added!.ToString(), StringComparison.Ordinal);
        Assert.Contains(cluster[0].Name, added.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AntiAffinity_KeepsReplicasApart_AndAReplicaWaitsForANodeToJoin()
    {
        await using var cluster = await TestCluster.StartAsync(etcd.Server.Endpoint, 2);
        var spec = new ClusterSupervisorSpec("replicas")
        {
            WaitForNode = true,
            Children = [.. Enumerable.Range(0, 3).Select(i => new ClusterChildSpec($"web#{i}", "worker") { Argument = $"web#{i}", AntiAffinity = "web" })],
        };
        var sup = await ClusterSupervisor.StartAsync(cluster[0], spec);
        Assert.True(sup.IsOk, sup.ToString());
        var children = await ClusterSupervisor.WhichChildrenAsync(sup.Pid);
        Assert.Equal(2, children.Where(c => !c.Pid.IsNone).Select(c => c.Node).Distinct().Count());
        var pending = Assert.Single(children, c => c.Pending);
        Assert.True(pending.Pid.IsNone && pending.Node is null, pending.ToString());

        var third = await cluster.AddAsync("n2");
        var placed = await cluster.Sink.WaitForAsync<Started>(s => s.Child == pending.Id);
        Assert.Equal(third.Name, placed.Node);
        Assert.DoesNotContain(await ClusterSupervisor.WhichChildrenAsync(sup.Pid), c => c.Pending);

        // A replica whose node leaves has nowhere else to go: it waits again rather than doubling up.
        await cluster.LeaveAsync(2);
        await cluster.Sink.WaitForAsync<Stopped>(s => Same(s.Pid, placed.Pid));
        var waiting = await WaitForAsync(sup.Pid, c => c.Single(x => x.Id == pending.Id).Pending);
        Assert.Equal(2, waiting.Where(c => !c.Pid.IsNone).Select(c => c.Node).Distinct().Count());
    }

    /// <summary>Every change to the supervisor's run keys that <paramref name="member"/>'s watch sees, from now on.</summary>
    private static Sink Watch(ClusterNode member, string sup)
    {
        var sink = new Sink();
        member.Core.Subscribe(member.Core.Keys.RunsOf(sup), sink.Inbox(member.Node));
        return sink;
    }

    /// <summary>Asks for the children on each change of the supervisor's run keys until <paramref name="done"/> holds.</summary>
    private static async Task<IReadOnlyList<ClusterChildInfo>> WaitForAsync(Pid sup, Func<IReadOnlyList<ClusterChildInfo>, bool> done)
    {
        using var deadline = new CancellationTokenSource(Sink.Deadline);
        while (true)
        {
            var children = await ClusterSupervisor.WhichChildrenAsync(sup, deadline.Token);
            if (done(children))
            {
                return children;
            }

            await Task.Yield();
        }
    }
}
