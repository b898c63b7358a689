using static Trellis.Cluster.Tests.PidIdentity;
namespace Trellis.Cluster.Tests;

/// <summary>etcd itself frozen: its own etcd, not the shared one.</summary>
public sealed class FenceTests
{
    [Fact]
    public async Task EtcdFrozen_EveryNodeFencesBeforeItsLeaseCouldEnd_ThenRejoins()
    {
        await using var etcd = await EtcdServer.StartAsync();
        await using var cluster = await TestCluster.StartAsync(etcd.Endpoint, 2);
        var sup = await ClusterSupervisor.StartAsync(cluster[0], new ClusterSupervisorSpec("f")
        {
            Children = [new ClusterChildSpec("w", "worker") { Argument = "w" }],
            Placement = new MembershipTests.OnNode(cluster[1].Name),
        });
        Assert.True(sup.IsOk, sup.ToString());
        var started = await cluster.Sink.WaitForAsync<Started>();
        var sinks = cluster.Members.Select(m =>
        {
            var s = new Sink();
            m.MonitorMembers(s.Inbox(m.Node));
            return s;
        }).ToList();
        var frozenAt = System.Diagnostics.Stopwatch.GetTimestamp();
        etcd.Signal("STOP");
        foreach (var s in sinks)
        {
            await s.WaitForAsync<MembershipChanged>(m => m.Fenced, TimeSpan.FromSeconds(10));
        }

        var stopped = await cluster.Sink.WaitForAsync<Stopped>(s => Same(s.Pid, started.Pid));
        // The child stopped within the time to live of the last renewal, however late that renewal was.
        Assert.True(System.Diagnostics.Stopwatch.GetElapsedTime(frozenAt) < TimeSpan.FromSeconds(3), "fenced within the lease's time to live");
        // Stopped by its host's fence, or before that by its owner's (whose deadline came first): a shutdown either way.
        Assert.True(stopped.Reason.IsShutdown, stopped.Reason.ToString());
        Assert.All(cluster.Members, m => Assert.False(m.HoldsLease));
        Assert.True((await Node.WaitForExitAsync(sup.Pid).WaitAsync(Sink.Deadline)).IsShutdown);
        etcd.Signal("CONT");
        foreach (var s in sinks)
        {
            await s.WaitForAsync<MembershipChanged>(m => !m.Fenced);
        }

        Assert.All(cluster.Members, m => Assert.True(m.HoldsLease));
    }

    [Fact]
    public async Task EtcdUnreachable_AtJoin_IsAClearError()
    {
        await using var node = new Node(new NodeOptions { Name = "lonely@127.0.0.1" });
        await using var net = await Distribution.NodeNetwork.StartAsync(node, new Distribution.NetworkOptions { Cookie = "cluster-test-cookie-0123" });
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var e = await Assert.ThrowsAsync<ClusterUnavailableException>(() => ClusterNode.JoinAsync(net, new ClusterOptions { Endpoints = "http://127.0.0.1:1", LeaseTtl = TimeSpan.FromSeconds(3) }));
        Assert.Contains("http://127.0.0.1:1", e.Message, StringComparison.Ordinal);
        Assert.True(System.Diagnostics.Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(6), "refused within the time to live (3 s) and a request");
    }

    [Theory]
    [InlineData("", 3, "Endpoints")]
    [InlineData("127.0.0.1:2379", 3, "not an http")]
    [InlineData("http://127.0.0.1:2379", 1, "LeaseTtl")]
    public async Task BadOptions_AreRefusedByName(string endpoints, int ttl, string expected)
    {
        await using var node = new Node(new NodeOptions { Name = "bad@127.0.0.1" });
        await using var net = await Distribution.NodeNetwork.StartAsync(node, new Distribution.NetworkOptions { Cookie = "cluster-test-cookie-0123" });
        var e = await Assert.ThrowsAsync<ArgumentException>(() => ClusterNode.JoinAsync(net, new ClusterOptions { Endpoints = endpoints, LeaseTtl = TimeSpan.FromSeconds(ttl) }));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
