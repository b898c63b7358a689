using static Trellis.Cluster.Tests.PidIdentity;
namespace Trellis.Cluster.Tests;

[Collection("etcd")]
public sealed class NameTests(SharedEtcd etcd)
{
    [Fact]
    public async Task HundredConcurrentRegistrations_HaveExactlyOneWinner()
    {
        await using var cluster = await TestCluster.StartAsync(etcd.Server.Endpoint, 2);
        var pids = Enumerable.Range(0, 100).Select(i => cluster[i % 2].Node.Spawn(async ctx => await ctx.ReceiveAsync())).ToList();
        var results = await Task.WhenAll(pids.Select((pid, i) => cluster[i % 2].RegisterNameAsync("leader", pid)));
        var winners = results.Where(r => r.IsRegistered).ToList();
        Assert.Single(winners);
        Assert.All(results.Where(r => !r.IsRegistered), r => Assert.Equal(NameRegistrationStatus.Taken, r.Status));
        var winner = winners[0].Holder;
        Assert.True(Same(winner, await cluster[0].WhereIsAsync("leader")));
        Assert.True(Same(winner, await cluster[1].WhereIsAsync("leader")));
    }

    [Fact]
    public async Task AName_GoesWithItsProcess_AndWithItsNode()
    {
        await using var cluster = await TestCluster.StartAsync(etcd.Server.Endpoint, 2);
        var sink = new Sink();
        cluster[0].Core.Subscribe(cluster[0].Core.Keys.NamesPrefix, sink.Inbox(cluster[0].Node));
        var short1 = cluster[1].Node.Spawn(async ctx => await ctx.ReceiveAsync());
        Assert.True((await cluster[1].RegisterNameAsync("a", short1)).IsRegistered);
        await sink.WaitForAsync<Internal.StoreEvent>(e => !e.Deleted && e.Key.EndsWith("/a", StringComparison.Ordinal));
        Assert.True(Same(short1, cluster[0].WhereIs("a")));
        Assert.Equal("pong", await CallThroughName(cluster));
        Node.Exit(short1, ExitReason.Kill);
        await sink.WaitForAsync<Internal.StoreEvent>(e => e.Deleted && e.Key.EndsWith("/a", StringComparison.Ordinal));
        Assert.True(cluster[0].WhereIs("a").IsNone);
        Assert.True((await cluster[0].WhereIsAsync("a")).IsNone);

        var long1 = cluster[1].Node.Spawn(async ctx => await ctx.ReceiveAsync());
        Assert.True((await cluster[1].RegisterNameAsync("b", long1)).IsRegistered);
        await cluster.LeaveAsync(1);
        await sink.WaitForAsync<Internal.StoreEvent>(e => e.Deleted && e.Key.EndsWith("/b", StringComparison.Ordinal));
        Assert.True((await cluster[0].WhereIsAsync("b")).IsNone);
    }

    [Fact]
    public async Task Unregister_OnlyTheHoldingNode_AndBadNamesAreRefused()
    {
        await using var cluster = await TestCluster.StartAsync(etcd.Server.Endpoint, 2);
        var pid = cluster[0].Node.Spawn(async ctx => await ctx.ReceiveAsync());
        Assert.True((await cluster[0].RegisterNameAsync("x", pid)).IsRegistered);
        Assert.False(await cluster[1].UnregisterNameAsync("x"));
        Assert.True(await cluster[0].UnregisterNameAsync("x"));
        Assert.True((await cluster[1].WhereIsAsync("x")).IsNone);
        var bad = await cluster[0].RegisterNameAsync("a/b", pid);
        Assert.Equal(NameRegistrationStatus.Unavailable, bad.Status);
        Assert.Contains("'/'", bad.Error, StringComparison.Ordinal);
        var remote = await cluster[0].RegisterNameAsync("y", cluster[1].Node.Spawn(async ctx => await ctx.ReceiveAsync()));
        Assert.Equal(NameRegistrationStatus.Unavailable, remote.Status);
    }

    private static async Task<string?> CallThroughName(TestCluster cluster)
    {
        // A server registered by name on one node, called by name from the other.
        var server = await GenServer.StartAsync(cluster[1].Node, () => new Echo());
        Assert.True((await cluster[1].RegisterNameAsync("echo", server.Pid)).IsRegistered);
        return (string?)await cluster[0].CallAsync("echo", "ping");
    }

    private sealed class Echo : GenServer
    {
        protected override ServerResult HandleCall(object request, From from) => Reply("pong");
    }
}
