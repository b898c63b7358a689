using Trellis.Distribution.TestNode;

namespace Trellis.Distribution.Tests;

/// <summary>Two nodes in one test process: everything local works across the connection.</summary>
public sealed class RemoteBasicsTests
{
    private static readonly TimeSpan Deadline = Pair.Deadline;

    private static async Task<Pid> StartCounterAsync(Node node, string? name = null, bool traps = false)
    {
        var started = await GenServer.StartAsync(node, () => new Counter { Traps = traps }, 0, name is null ? null : new GenServerOptions { Name = name });
        Assert.True(started.IsOk, started.ToString());
        return started.Pid;
    }

    [Fact]
    public async Task Send_CarriesRegisteredTypesAndPids_BothWays_InOrder()
    {
        await using var pair = await Pair.StartAsync();
        var echo = pair.B.Spawn(async ctx =>
        {
            while (true)
            {
                if (await ctx.ReceiveAsync() is Ping ping)
                {
                    ping.From.Send(new Pong(ping.N, "pong"));
                }
            }
        });
        pair.B.Register("echo", echo);
        var got = new TaskCompletionSource<List<int>>();
        pair.A.Spawn(async ctx =>
        {
            for (var i = 0; i < 200; i++)
            {
                pair.NetA.Send("echo", pair.B.Name, new Ping(ctx.Self, i));
            }

            var seen = new List<int>();
            while (seen.Count < 200)
            {
                seen.Add(((Pong)await ctx.ReceiveAsync()).N);
            }

            got.SetResult(seen);
        });
        Assert.Equal(Enumerable.Range(0, 200), await got.Task.WaitAsync(Deadline));
    }

    [Fact]
    public async Task Call_ByPidAndByName_AndCast_AndReplyFromElsewhere()
    {
        await using var pair = await Pair.StartAsync();
        await StartCounterAsync(pair.B, "counter");
        var byName = pair.NetA.Named("counter", pair.B.Name);
        Assert.Equal(0, await GenServer.CallAsync<int>(byName, "get").AsTask().WaitAsync(Deadline));
        var pid = await GenServer.CallAsync<Pid>(byName, "pid").AsTask().WaitAsync(Deadline);
        Assert.False(pid.IsLocal);
        Assert.Equal(pair.B.Name, pid.NodeName);
        Assert.True(GenServer.Cast(pid, "inc"));
        Assert.True(GenServer.Cast(byName, "inc"));
        Assert.Equal(2, await GenServer.CallAsync<int>(pid, "get").AsTask().WaitAsync(Deadline));
        Assert.Equal("from elsewhere", await GenServer.CallAsync<string>(pid, "later").AsTask().WaitAsync(Deadline));
    }

    [Fact]
    public async Task Call_ToACrashingServer_FailsWithItsReason_AndToAMissingName_WithNoProc()
    {
        await using var pair = await Pair.StartAsync();
        await StartCounterAsync(pair.B, "counter");
        var crash = await Assert.ThrowsAsync<CallException>(async () => await GenServer.CallAsync(pair.NetA.Named("counter", pair.B.Name), "crash").AsTask().WaitAsync(Deadline));
        Assert.Equal(ExitReasonKind.Exception, crash.Reason.Kind);
        Assert.Equal("{InvalidOperationException,\"asked to crash\"}", crash.Reason.ToString());
        var missing = await Assert.ThrowsAsync<CallException>(async () => await GenServer.CallAsync(pair.NetA.Named("nobody", pair.B.Name), "get").AsTask().WaitAsync(Deadline));
        Assert.Equal(ExitReason.NoProc, missing.Reason);
    }

    [Fact]
    public async Task Link_Remote_ExitPropagates_AndTrappersGetTheMessage()
    {
        await using var pair = await Pair.StartAsync();
        var server = await StartCounterAsync(pair.B, "counter");
        var remote = await GenServer.CallAsync<Pid>(pair.NetA.Named("counter", pair.B.Name), "pid").AsTask().WaitAsync(Deadline);
        var exits = new TaskCompletionSource<ExitMessage>();
        var linked = new TaskCompletionSource();
        pair.A.Spawn(async ctx =>
        {
            ctx.TrapExit = true;
            ctx.Link(remote);
            linked.SetResult();
            exits.SetResult((ExitMessage)await ctx.ReceiveAsync());
        });
        await linked.Task.WaitAsync(Deadline);
        // The link is in place on B once a call behind the LINK frame returns (one connection keeps order).
        await GenServer.CallAsync(remote, "get").AsTask().WaitAsync(Deadline);
        Assert.Single(Node.GetProcessInfo(server)!.Links);
        Node.Exit(server, ExitReason.Atom("boom"));
        var exit = await exits.Task.WaitAsync(Deadline);
        Assert.Equal(remote, exit.From);
        Assert.Equal(ExitReason.Atom("boom"), exit.Reason);
    }

    [Fact]
    public async Task Monitor_Remote_DeliversDown_AndOnADeadPid_NoProc()
    {
        await using var pair = await Pair.StartAsync();
        await StartCounterAsync(pair.B, "counter");
        var remote = await GenServer.CallAsync<Pid>(pair.NetA.Named("counter", pair.B.Name), "pid").AsTask().WaitAsync(Deadline);
        var downs = new TaskCompletionSource<(DownMessage First, DownMessage Second)>();
        pair.A.Spawn(async ctx =>
        {
            var monitor = ctx.Monitor(remote);
            Node.Exit(remote, ExitReason.Kill);
            var first = (DownMessage)await ctx.ReceiveAsync();
            Assert.Same(monitor, first.Ref);
            ctx.Monitor(remote);
            downs.SetResult((first, (DownMessage)await ctx.ReceiveAsync()));
        });
        var (firstDown, secondDown) = await downs.Task.WaitAsync(Deadline);
        Assert.Equal(ExitReason.Killed, firstDown.Reason);
        Assert.Equal(remote, firstDown.Pid);
        Assert.Equal(ExitReason.NoProc, secondDown.Reason);
        // Waiting on a remote pid that is gone: its monitor answers noproc (the real reason is known only there).
        Assert.Equal(ExitReason.NoProc, await Node.WaitForExitAsync(remote).WaitAsync(Deadline));
    }

    [Fact]
    public async Task Disconnect_FiresLinksAndMonitors_WithNoConnection_AndFailsCallsInFlight()
    {
        await using var pair = await Pair.StartAsync();
        var local = await StartCounterAsync(pair.B, "counter");
        var remote = await GenServer.CallAsync<Pid>(pair.NetA.Named("counter", pair.B.Name), "pid").AsTask().WaitAsync(Deadline);
        var got = new TaskCompletionSource<(object, object)>();
        var ready = new TaskCompletionSource();
        pair.A.Spawn(async ctx =>
        {
            ctx.TrapExit = true;
            ctx.Link(remote);
            ctx.Monitor(remote);
            ready.SetResult();
            got.SetResult((await ctx.ReceiveAsync(), await ctx.ReceiveAsync()));
        });
        await ready.Task.WaitAsync(Deadline);
        await GenServer.CallAsync(remote, "get").AsTask().WaitAsync(Deadline);
        pair.NetA.Disconnect(pair.B.Name);
        var (first, second) = await got.Task.WaitAsync(Deadline);
        Assert.Equal(new ExitMessage(remote, ExitReason.NoConnection), first);
        Assert.IsType<DownMessage>(second);
        Assert.Equal(ExitReason.NoConnection, ((DownMessage)second).Reason);
        // B's side saw the link fire too: the counter does not trap exits, so it is gone.
        Assert.Equal(ExitReason.NoConnection, await Node.WaitForExitAsync(local).WaitAsync(Deadline));
    }

    [Fact]
    public async Task RemoteStart_LinkedServer_IsSupervisedLikeALocalChild()
    {
        await using var pair = await Pair.StartAsync();
        Shared.Expose(pair.NetB);
        var flags = new SupervisorFlags { Strategy = Strategy.OneForOne, Intensity = 5, Period = TimeSpan.FromSeconds(10) };
        var spec = pair.NetA.ServerSpec("remote", pair.B.Name, "counter", 7, "counter");
        var sup = await Supervisor.StartAsync(pair.A, [spec], flags);
        Assert.True(sup.IsOk, sup.ToString());
        var child = (await Supervisor.WhichChildrenAsync(sup.Pid)).Single().Pid;
        Assert.Equal(pair.B.Name, child.NodeName);
        Assert.Equal(7, await GenServer.CallAsync<int>(child, "get").AsTask().WaitAsync(Deadline));
        // Killed there: the supervisor here restarts it there.
        Node.Exit(child, ExitReason.Kill);
        var restarted = await WaitForAsync(async () =>
        {
            var now = (await Supervisor.WhichChildrenAsync(sup.Pid)).Single().Pid;
            return now != child && !now.IsNone ? now : (Pid?)null;
        });
        Assert.Equal(7, await GenServer.CallAsync<int>(restarted, "get").AsTask().WaitAsync(Deadline));
        // Stopping the supervisor stops the remote child.
        var exit = Node.WaitForExitAsync(restarted);
        Node.Exit(sup.Pid, ExitReason.Shutdown);
        Assert.Equal(ExitReason.Shutdown, await exit.WaitAsync(Deadline));
    }

    [Fact]
    public async Task UnregisteredType_IsRefusedAtTheSender_AndUnknownFunction_IsUndef()
    {
        await using var pair = await Pair.StartAsync();
        var error = Assert.Throws<ArgumentException>(() => pair.NetA.Send("echo", pair.B.Name, new Version(1, 2)));
        Assert.Contains("register it in NetworkOptions.MessageTypes", error.Message, StringComparison.Ordinal);
        var started = await pair.NetA.SpawnAsync(pair.B.Name, "nothing_here").WaitAsync(Deadline);
        Assert.True(started.IsError);
        Assert.Equal("{undef,\"nothing_here\"}", started.Error!.ToString());
    }

    [Fact]
    public async Task WrongCookie_IsRefused_AndTheNodeKeepsServingOthers()
    {
        await using var pair = await Pair.StartAsync();
        await using var intruder = new Node(new NodeOptions { Name = "intruder@127.0.0.1" });
        await using var net = await NodeNetwork.StartAsync(intruder, Shared.Options("another-cookie-0123456789", 0, TimeSpan.FromSeconds(4)));
        Assert.False(await net.ConnectAsync(pair.NetB.Address).WaitAsync(Deadline));
        await StartCounterAsync(pair.B, "counter");
        Assert.Equal(0, await GenServer.CallAsync<int>(pair.NetA.Named("counter", pair.B.Name), "get").AsTask().WaitAsync(Deadline));
    }

    private static async Task<Pid> WaitForAsync(Func<Task<Pid?>> probe)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (DateTime.UtcNow < deadline)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            await Task.Yield();
        }

        throw new TimeoutException("the condition did not hold in time");
    }
}
