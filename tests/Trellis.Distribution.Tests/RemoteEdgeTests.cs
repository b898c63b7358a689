using Trellis.Distribution.TestNode;

namespace Trellis.Distribution.Tests;

/// <summary>Timeouts, unlink and demonitor, unreachable nodes, and a frame too large for its receiver.</summary>
public sealed class RemoteEdgeTests
{
    private static readonly TimeSpan Deadline = Pair.Deadline;

    [Fact]
    public async Task Call_TimesOutAsLocally_AndALateReplyIsDropped()
    {
        await using var pair = await Pair.StartAsync();
        // A process that takes calls and never answers them.
        pair.B.Register("silent", pair.B.Spawn(async ctx =>
        {
            while (true)
            {
                await ctx.ReceiveAsync();
            }
        }));
        var error = await Assert.ThrowsAsync<CallException>(async () =>
            await GenServer.CallAsync(pair.NetA.Named("silent", pair.B.Name), "get", TimeSpan.FromMilliseconds(200)).AsTask().WaitAsync(Deadline));
        Assert.Equal(ExitReason.Timeout, error.Reason);
    }

    [Fact]
    public async Task StopAsync_OfARemoteServer_StopsItWithTheReason()
    {
        await using var pair = await Pair.StartAsync();
        var started = await GenServer.StartAsync(pair.B, () => new Counter(), 0, new GenServerOptions { Name = "counter" });
        var remote = await GenServer.CallAsync<Pid>(pair.NetA.Named("counter", pair.B.Name), "pid").AsTask().WaitAsync(Deadline);
        Assert.Equal(ExitReason.Atom("done"), await GenServer.StopAsync(remote, ExitReason.Atom("done"), Deadline).WaitAsync(Deadline));
        Assert.Equal(ExitReason.Atom("done"), await Node.WaitForExitAsync(started.Pid).WaitAsync(Deadline));
    }

    [Fact]
    public async Task Unlink_And_Demonitor_AcrossNodes_HaveNoEffectAfterwards()
    {
        await using var pair = await Pair.StartAsync();
        var started = await GenServer.StartAsync(pair.B, () => new Counter(), 0, new GenServerOptions { Name = "counter" });
        var remote = await GenServer.CallAsync<Pid>(pair.NetA.Named("counter", pair.B.Name), "pid").AsTask().WaitAsync(Deadline);
        var result = new TaskCompletionSource<object?>();
        var step = new TaskCompletionSource();
        pair.A.Spawn(async ctx =>
        {
            ctx.TrapExit = true;
            ctx.Link(remote);
            var monitor = ctx.Monitor(remote);
            ctx.Unlink(remote);
            Assert.True(ctx.Demonitor(monitor));
            step.SetResult();
            result.SetResult(await ctx.ReceiveAsync(TimeSpan.FromMilliseconds(500)));
        });
        await step.Task.WaitAsync(Deadline);
        // The UNLINK and DEMONITOR went before this call; B holds no link and no monitor on the counter any more.
        await GenServer.CallAsync(remote, "get").AsTask().WaitAsync(Deadline);
        Assert.Empty(Node.GetProcessInfo(started.Pid)!.Links);
        Assert.Equal(0, Node.GetProcessInfo(started.Pid)!.MonitoredBy);
        Node.Exit(started.Pid, ExitReason.Kill);
        Assert.Null(await result.Task.WaitAsync(Deadline));
    }

    [Fact]
    public async Task Monitor_And_Link_ToAnUnreachableNode_FireNoConnection()
    {
        await using var a = new Node(new NodeOptions { Name = $"a{Guid.NewGuid().ToString("N")[..6]}@127.0.0.1" });
        await using var net = await NodeNetwork.StartAsync(a, Pair.Options(null));
        // A node that is not there: its port refuses.
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        net.AddPeer(new NodeAddress("ghost@127.0.0.1", port));
        var ghost = await net.SpawnAsync("ghost@127.0.0.1", "idle").WaitAsync(Deadline);
        Assert.Equal(ExitReason.NoConnection, ghost.Error);
        var call = await Assert.ThrowsAsync<CallException>(async () => await GenServer.CallAsync(net.Named("x", "ghost@127.0.0.1"), "get").AsTask().WaitAsync(Deadline));
        Assert.Equal(ExitReason.NoConnection, call.Reason);
    }

    [Fact]
    public async Task AFrameLargerThanTheReceiversLimit_ClosesThatConnection_AndTheReceiverServesOthers()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        await using var big = new Node(new NodeOptions { Name = $"big{suffix}@127.0.0.1" });
        await using var small = new Node(new NodeOptions { Name = $"small{suffix}@127.0.0.1" });
        await using var other = new Node(new NodeOptions { Name = $"other{suffix}@127.0.0.1" });
        await using var bigNet = await NodeNetwork.StartAsync(big, Pair.Options(null));
        await using var smallNet = await NodeNetwork.StartAsync(small, Pair.Options(o => o.MaxFrameBytes = 64 * 1024));
        await using var otherNet = await NodeNetwork.StartAsync(other, Pair.Options(null));
        Assert.True(await bigNet.ConnectAsync(smallNet.Address).WaitAsync(Deadline));
        var down = new TaskCompletionSource<NodeDown>();
        var watcher = big.Spawn(async ctx => down.SetResult((NodeDown)(await ctx.ReceiveAsync(m => m is NodeDown, Timeout.InfiniteTimeSpan))!));
        bigNet.MonitorNodes(watcher, small.Name);
        bigNet.Send("anyone", small.Name, new byte[200_000]);
        Assert.Equal(small.Name, (await down.Task.WaitAsync(Deadline)).Node);
        var started = await GenServer.StartAsync(small, () => new Counter(), 4, new GenServerOptions { Name = "counter" });
        Assert.True(started.IsOk);
        otherNet.AddPeer(smallNet.Address);
        Assert.Equal(4, await GenServer.CallAsync<int>(otherNet.Named("counter", small.Name), "get").AsTask().WaitAsync(Deadline));
    }
}
