using System.Diagnostics;
using System.Globalization;
using Trellis.Distribution.TestNode;

namespace Trellis.Distribution.Tests;

/// <summary>Nodes in their own processes, killed and frozen: failures are seen in time, and nothing is left running.</summary>
public sealed class NodeFaultTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private static async Task<(Node Node, NodeNetwork Net)> LocalAsync(double tickSeconds = 4)
    {
        var node = new Node(new NodeOptions { Name = Unique("here") });
        var net = await NodeNetwork.StartAsync(node, Pair.Options(o => o.TickTime = TimeSpan.FromSeconds(tickSeconds)));
        Shared.Expose(net);
        return (node, net);
    }

    private static string Unique(string stem) => $"{stem}{Guid.NewGuid().ToString("N")[..6]}@127.0.0.1";

    [Fact]
    public async Task SigkillOfAPeer_IsSeenAtOnce_ByMonitors()
    {
        var (node, net) = await LocalAsync();
        await using var disposeNode = node;
        await using var disposeNet = net;
        await using var peer = await NodeProcess.StartAsync(Unique("peer"));
        Assert.True(await net.ConnectAsync(peer.Address).WaitAsync(Deadline));
        var started = await net.SpawnAsync(peer.Name, "idle").WaitAsync(Deadline);
        Assert.True(started.IsOk, started.ToString());
        var down = new TaskCompletionSource<DownMessage>();
        var watching = new TaskCompletionSource();
        node.Spawn(async ctx =>
        {
            ctx.Monitor(started.Pid);
            watching.SetResult();
            down.SetResult((DownMessage)await ctx.ReceiveAsync());
        });
        await watching.Task.WaitAsync(Deadline);
        var clock = Stopwatch.StartNew();
        await peer.KillAsync();
        var message = await down.Task.WaitAsync(Deadline);
        Assert.Equal(ExitReason.NoConnection, message.Reason);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"DOWN after {clock.Elapsed}");
        Assert.False(started.Pid.IsAlive);
        Assert.DoesNotContain(peer.Name, net.Connections);
    }

    [Fact]
    public async Task FrozenPeer_IsDeclaredDown_WithinTheTickTime()
    {
        var (node, net) = await LocalAsync(tickSeconds: 2);
        await using var disposeNode = node;
        await using var disposeNet = net;
        await using var peer = await NodeProcess.StartAsync(Unique("frozen"), tickSeconds: 2);
        Assert.True(await net.ConnectAsync(peer.Address).WaitAsync(Deadline));
        var nodeDown = new TaskCompletionSource<NodeDown>();
        var watcher = node.Spawn(async ctx =>
        {
            while (true)
            {
                if (await ctx.ReceiveAsync() is NodeDown down)
                {
                    nodeDown.SetResult(down);
                    return;
                }
            }
        });
        net.MonitorNodes(watcher, peer.Name);
        var clock = Stopwatch.StartNew();
        peer.Signal("STOP");
        var seen = await nodeDown.Task.WaitAsync(Deadline);
        var took = clock.Elapsed;
        Assert.Equal(peer.Name, seen.Node);
        Assert.Contains("nothing received", seen.Reason, StringComparison.Ordinal);
        Assert.True(took >= TimeSpan.FromSeconds(1.2) && took <= TimeSpan.FromSeconds(2.6), $"declared down after {took.TotalSeconds:0.00} s at a tick time of 2 s");
    }

    [Theory]
    [InlineData("KILL")]
    [InlineData("STOP")]
    public async Task SupervisorNodeLost_ItsRemoteChildrenStop_EvenTrapping_AndTheirProgramsDie(string signal)
    {
        var (node, net) = await LocalAsync(tickSeconds: 2);
        await using var disposeNode = node;
        await using var disposeNet = net;
        var pidFile = Path.Combine(Path.GetTempPath(), $"trellis-dist-{Guid.NewGuid():N}.pid");
        await using var supervisor = await NodeProcess.StartAsync(Unique("sup"), tickSeconds: 2, connect: net.Address.ToString(), supervise: node.Name, pidFile: pidFile);
        try
        {
            var child = node.WhereIs("c1");
            var holder = node.WhereIs("prog");
            Assert.False(child.IsNone, "the supervisor's first child runs here");
            Assert.False(holder.IsNone, "its second child runs here");
            var osPid = int.Parse(await File.ReadAllTextAsync(pidFile), CultureInfo.InvariantCulture);
            Assert.True(Directory.Exists($"/proc/{osPid}"), "the program runs");
            Assert.True(Node.GetProcessInfo(child)!.TrapExit, "the child traps exits");

            // The holder's program runs under a ProgramServer linked to it, which exits only once the program is reaped.
            var programServer = Node.GetProcessInfo(holder)!.Links.Single(p => p.IsLocal);
            var childExit = Node.WaitForExitAsync(child);
            var holderExit = Node.WaitForExitAsync(holder);
            var programExit = Node.WaitForExitAsync(programServer);
            supervisor.Signal(signal);
            Assert.Equal(ExitReason.NoConnection, await childExit.WaitAsync(Deadline));
            Assert.Equal(ExitReason.NoConnection, await holderExit.WaitAsync(Deadline));
            await programExit.WaitAsync(Deadline);
            Assert.False(Directory.Exists($"/proc/{osPid}"), "the program was stopped and reaped with its holder");
        }
        finally
        {
            File.Delete(pidFile);
        }
    }
}
