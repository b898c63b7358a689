using static Trellis.Cluster.Tests.PidIdentity;

namespace Trellis.Cluster.Tests;

/// <summary>A three-member etcd: its leader killed (nothing moves), and its quorum lost and restored (everything stops, then runs once).</summary>
public sealed class QuorumTests
{
    private static ClusterSupervisorSpec Two(string id) => new(id)
    {
        Flags = new SupervisorFlags { Intensity = 3, Period = TimeSpan.FromSeconds(30) },
        Children = [new ClusterChildSpec("a", "worker") { Argument = "a" }, new ClusterChildSpec("b", "worker") { Argument = "b" }],
    };

    [Fact]
    public async Task Killing_the_etcd_leader_moves_nothing_and_the_cluster_keeps_writing()
    {
        await using var etcd = await EtcdCluster.StartAsync();
        await using var cluster = await TestCluster.StartAsync(etcd.Endpoints, 2, ttlSeconds: 4);
        var sup = await ClusterSupervisor.StartAsync(cluster[0], Two("leader"));
        Assert.True(sup.IsOk, sup.ToString());
        var before = await ClusterSupervisor.WhichChildrenAsync(sup.Pid);

        await etcd.KillAsync(await etcd.LeaderAsync());

        // The two left elect a leader; a write goes through within the lease's time to live.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(8));
        var holder = cluster.Sink.Inbox(cluster[1].Node);
        NameRegistration registered;
        do
        {
            registered = await cluster[1].RegisterNameAsync("after-leader", holder, deadline.Token);
        }
        while (registered.Status == NameRegistrationStatus.Unavailable && !deadline.IsCancellationRequested);

        Assert.Equal(NameRegistrationStatus.Registered, registered.Status);
        Assert.False(cluster[0].IsFenced || cluster[1].IsFenced, "no node fenced itself over a leader election");
        var after = await ClusterSupervisor.WhichChildrenAsync(sup.Pid);
        Assert.Equal(before.Select(c => c.Pid), after.Select(c => c.Pid));
        Assert.DoesNotContain(cluster.Sink.Snapshot(), e => e is Stopped);
    }

    [Fact]
    public async Task Losing_the_quorum_stops_every_child_and_restoring_it_lets_each_run_once_again()
    {
        await using var etcd = await EtcdCluster.StartAsync();
        await using var cluster = await TestCluster.StartAsync(etcd.Endpoints, 2, ttlSeconds: 3);
        var sup = await ClusterSupervisor.StartAsync(cluster[0], Two("quorum"));
        Assert.True(sup.IsOk, sup.ToString());
        var before = await ClusterSupervisor.WhichChildrenAsync(sup.Pid);
        var watcher = new Sink();
        var inbox = watcher.Inbox(cluster[1].Node);
        cluster[1].MonitorMembers(inbox);

        // Two of three gone: no renewal can be acknowledged, so each node fences itself at its deadline.
        await etcd.KillAsync(0);
        await etcd.KillAsync(1);
        foreach (var child in before)
        {
            // Stopped by its node's fence, or by its supervisor giving up first: either way a shutdown, not a crash.
            var stopped = await cluster.Sink.WaitForAsync<Stopped>(s => Same(s.Pid, child.Pid));
            Assert.True(stopped.Reason.IsShutdown, stopped.Reason.ToString());
        }

        await watcher.WaitForAsync<MembershipChanged>(m => m.Fenced);
        Assert.False(cluster[0].HoldsLease || cluster[1].HoldsLease);
        // The supervisor ends too: fenced itself, or out of intensity after its children's nodes fenced first.
        var exit = await Node.WaitForExitAsync(sup.Pid).WaitAsync(Sink.Deadline);
        Assert.True(exit.IsShutdown, exit.ToString());

        // The quorum back: the nodes rejoin as new incarnations, and the supervisor started again runs each child once.
        await etcd.StartMemberAsync(0);
        await etcd.StartMemberAsync(1);
        await watcher.WaitForAsync<MembershipChanged>(m => !m.Fenced, TimeSpan.FromSeconds(30));
        using var rejoined = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        StartResult again;
        do
        {
            again = await ClusterSupervisor.StartAsync(cluster[0], Two("quorum"), rejoined.Token);
        }
        while (!again.IsOk && !rejoined.IsCancellationRequested && again.ToString().Contains("fenced", StringComparison.Ordinal));

        Assert.True(again.IsOk, again.ToString());

        // A child whose old run key is still under the old lease (etcd kept it alive over the election) waits for it
        // to go, then starts: each runs again, once.
        foreach (var child in new[] { "a", "b" })
        {
            await cluster.Sink.WaitForAsync<Started>(s => s.Child == child && !before.Any(b => Same(b.Pid, s.Pid)), TimeSpan.FromSeconds(30));
        }

        var starts = cluster.Sink.Snapshot().OfType<Started>().ToList();
        Assert.Equal(2, starts.Count(s => s.Child == "a"));
        Assert.Equal(2, starts.Count(s => s.Child == "b"));
    }
}
