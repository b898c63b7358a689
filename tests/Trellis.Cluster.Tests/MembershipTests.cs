using static Trellis.Cluster.Tests.PidIdentity;
using Trellis.Cluster.Internal;

namespace Trellis.Cluster.Tests;

[Collection("etcd")]
public sealed class MembershipTests(SharedEtcd etcd)
{
    [Fact]
    public async Task Members_SeeEachOther_AndALeaveIsMemberDown()
    {
        await using var cluster = await TestCluster.StartAsync(etcd.Server.Endpoint, 3);
        Assert.All(cluster.Members, m => Assert.Equal(cluster.Members.Select(x => x.Name).Order(StringComparer.Ordinal), m.Members.Select(x => x.Name)));
        var sink = new Sink();
        cluster[0].MonitorMembers(sink.Inbox(cluster[0].Node));
        var leaving = cluster[2].Name;
        await cluster.LeaveAsync(2);
        var down = await sink.WaitForAsync<MemberDown>(d => d.Member.Name == leaving);
        Assert.Equal(leaving, down.Member.Name);
        Assert.DoesNotContain(cluster[0].Members, m => m.Name == leaving);
    }

    [Fact]
    public async Task ACompactedWatch_ReListsAndMissesNoDeath()
    {
        await using var cluster = await TestCluster.StartAsync(etcd.Server.Endpoint, 2);
        var watcher = cluster[0];
        var sink = new Sink();
        watcher.MonitorMembers(sink.Inbox(watcher.Node));
        watcher.Core.PauseWatch();
        var leaving = cluster[1].Name;
        await cluster.LeaveAsync(1);
        // Many revisions later, compacted: the watch cannot resume where it stopped.
        for (var i = 0; i < 5; i++)
        {
            await watcher.Core.Store.PutAsync(watcher.Core.Keys.Root + "filler", EtcdStore.Bytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), 0, default);
        }

        var head = await watcher.Core.Store.GetAsync(watcher.Core.Keys.Root + "filler", default);
        await watcher.Core.Store.CompactAsync(head.Header.Revision, default);
        Assert.Contains(watcher.Members, m => m.Name == leaving);
        watcher.Core.ResumeWatch();
        var down = await sink.WaitForAsync<MemberDown>(d => d.Member.Name == leaving);
        Assert.Equal(leaving, down.Member.Name);
        Assert.Equal(1, watcher.Core.Relists);
    }

    [Fact]
    public async Task ALeaseEndedInEtcd_FencesTheNode_StopsItsChildren_AndItRejoinsAsANewIncarnation()
    {
        await using var cluster = await TestCluster.StartAsync(etcd.Server.Endpoint, 2);
        var sup = await ClusterSupervisor.StartAsync(cluster[0], new ClusterSupervisorSpec("s")
        {
            Children = [new ClusterChildSpec("w", "worker") { Argument = "w" }],
            Placement = new OnNode(cluster[1].Name),
        });
        Assert.True(sup.IsOk, sup.ToString());
        var started = await cluster.Sink.WaitForAsync<Started>();
        Assert.Equal(cluster[1].Name, started.Node);
        var host = cluster[1];
        var sink = new Sink();
        host.MonitorMembers(sink.Inbox(host.Node));
        var before = host.Incarnation;
        // The store ends the host's lease (as when it was cut off past its time to live): the next renewal says so.
        await host.Core.Store.RevokeAsync(before, default);
        var fenced = await sink.WaitForAsync<MembershipChanged>(m => m.Fenced);
        Assert.Contains("lease", fenced.Reason, StringComparison.Ordinal);
        var stopped = await cluster.Sink.WaitForAsync<Stopped>(s => Same(s.Pid, started.Pid));
        Assert.Equal(ExitReason.ShutdownWith(new Atom("fenced")), stopped.Reason);
        await sink.WaitForAsync<MembershipChanged>(m => !m.Fenced);
        Assert.NotEqual(before, host.Incarnation);
        Assert.True(host.HoldsLease);
        // The supervisor saw the run key go with the old lease and started the child again (on the new incarnation).
        var again = await cluster.Sink.WaitForAsync<Started>(s => !Same(s.Pid, started.Pid));
        Assert.Equal("w", again.Child);
    }

    /// <summary>A placement that always picks one node.</summary>
    internal sealed class OnNode(string node) : IPlacement
    {
        public string? Choose(PlacementRequest request) => request.Candidates.Any(c => c.Name == node) ? node : request.Candidates[0].Name;
    }
}
