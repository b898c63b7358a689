using System.Diagnostics;
using System.Globalization;

namespace Trellis.Cluster.Tests;

/// <summary>
/// A real network partition: each member process in its own network namespace behind a veth pair on one bridge (etcd
/// on the bridge's address), and a host cut off by taking its veth down. Needs root (the suite runs as root here);
/// every namespace, link and process is removed by name or pid at the end.
/// </summary>
public sealed class PartitionTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task A_partitioned_host_fences_before_its_child_runs_elsewhere_and_rejoins_when_healed()
    {
        Assert.True(Environment.IsPrivilegedProcess, "network namespaces need root");
        await using var net = await Netns.CreateAsync(3);
        await using var etcd = await EtcdServer.StartAsync(net.BridgeAddress);
        var cluster = "p" + Guid.NewGuid().ToString("N")[..8];
        var sink = new Sink();
        var members = new List<MemberProcess>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                members.Add(await MemberProcess.StartAsync($"h{i}@{net.Address(i)}", etcd.Endpoint, cluster, sink, own: i == 2 ? 3 : 0, prefix: ["ip", "netns", "exec", net.Namespace(i)]));
            }

            var started = new Dictionary<string, Line>();
            foreach (var child in new[] { "w0", "w1", "w2" })
            {
                started[child] = await sink.WaitForAsync<Line>(l => l.What == "started" && l.Child == child);
            }

            // Cut host 0 off: from etcd and from every other node.
            var cut = members[0];
            var child0 = started.Values.Single(l => l.Process == cut.Name).Child;
            var partitioned = Stopwatch.GetTimestamp();
            net.SetLink(0, up: false);
            var fenced = await sink.WaitForAsync<Line>(l => l.Process == cut.Name && l.What == "fenced");
            var moved = await sink.WaitForAsync<Line>(l => l.What == "started" && l.Child == child0 && l.Process != cut.Name);

            // The cut-off copy acted for the last time before its replacement's first act.
            var lastTick = sink.Snapshot().OfType<Line>().Where(l => l.Process == cut.Name && l.Child == child0 && l.What == "tick").Max(l => l.Time);
            Assert.True(lastTick < moved.Time, "the partitioned copy ticked after its replacement started");
            Assert.True(fenced.Time < moved.Time, "the partitioned host fenced itself before the child moved");
            Assert.True(Stopwatch.GetElapsedTime(partitioned, moved.Time) < Ttl + TimeSpan.FromSeconds(2), $"moved after {Stopwatch.GetElapsedTime(partitioned, moved.Time)}");

            // Healed: the host rejoins as a new incarnation, and each child still runs exactly once.
            net.SetLink(0, up: true);
            await sink.WaitForAsync<Line>(l => l.Process == cut.Name && l.What == "rejoined", TimeSpan.FromSeconds(30));
            var lines = sink.Snapshot().OfType<Line>().ToList();
            foreach (var child in started.Keys)
            {
                var lastStart = lines.Where(l => l.What == "started" && l.Child == child).MaxBy(l => l.Time)!;
                var others = lines.Where(l => l.What == "tick" && l.Child == child && l.Process != lastStart.Process && l.Time > lastStart.Time);
                Assert.Empty(others);
            }
        }
        finally
        {
            foreach (var m in members)
            {
                await m.DisposeAsync();
            }
        }
    }
}

/// <summary>Network namespaces on one bridge: namespace i has 10.N.M.(10+i) behind veth pair i; the bridge has .1.</summary>
public sealed class Netns : IAsyncDisposable
{
    private readonly string _tag = Random.Shared.Next(0x1000, 0xffff).ToString("x", CultureInfo.InvariantCulture);
    private readonly int _count;
    private readonly int _subnet = Random.Shared.Next(1, 250);

    private Netns(int count) => _count = count;

    public string BridgeAddress => $"10.213.{_subnet}.1";

    public string Address(int i) => $"10.213.{_subnet}.{10 + i}";

    public string Namespace(int i) => $"trellis-{_tag}-{i}";

    private string Bridge => $"tb{_tag}";

    private string HostLink(int i) => $"tv{_tag}h{i}";

    private string PeerLink(int i) => $"tv{_tag}p{i}";

    public static Task<Netns> CreateAsync(int count)
    {
        var net = new Netns(count);
        try
        {
            Ip("link", "add", net.Bridge, "type", "bridge");
            Ip("addr", "add", net.BridgeAddress + "/24", "dev", net.Bridge);
            Ip("link", "set", net.Bridge, "up");
            for (var i = 0; i < count; i++)
            {
                Ip("netns", "add", net.Namespace(i));
                Ip("link", "add", net.HostLink(i), "type", "veth", "peer", "name", net.PeerLink(i));
                Ip("link", "set", net.PeerLink(i), "netns", net.Namespace(i));
                Ip("link", "set", net.HostLink(i), "master", net.Bridge);
                Ip("link", "set", net.HostLink(i), "up");
                Ip("-n", net.Namespace(i), "addr", "add", net.Address(i) + "/24", "dev", net.PeerLink(i));
                Ip("-n", net.Namespace(i), "link", "set", net.PeerLink(i), "up");
                Ip("-n", net.Namespace(i), "link", "set", "lo", "up");
            }
        }
        catch
        {
            net.Remove();
            throw;
        }

        return Task.FromResult(net);
    }

    /// <summary>Cuts namespace <paramref name="i"/> off (its host-side link down), or heals it.</summary>
    public void SetLink(int i, bool up) => Ip("link", "set", HostLink(i), up ? "up" : "down");

    public ValueTask DisposeAsync()
    {
        Remove();
        return ValueTask.CompletedTask;
    }

    private void Remove()
    {
        for (var i = 0; i < _count; i++)
        {
            Ip(false, "link", "del", HostLink(i));
            Ip(false, "netns", "del", Namespace(i));
        }

        Ip(false, "link", "del", Bridge);
    }

    private static void Ip(params string[] args) => Ip(true, args);

    private static void Ip(bool check, params string[] args)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var p = Process.Start(info)!;
        var err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(10_000))
        {
            p.Kill();
            throw new TimeoutException("ip " + string.Join(' ', args) + " did not finish");
        }

        if (check && p.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', args)}: {err.Trim()}");
        }
    }
}
