using Trellis.Distribution;
using Trellis.Distribution.TestNode;

namespace Trellis.Distribution.Tests;

/// <summary>Two nodes in this test process, on loopback, sharing a cookie.</summary>
public sealed class Pair : IAsyncDisposable
{
    public const string Cookie = "test-cookie-0123456789";

    private Pair(Node a, NodeNetwork netA, Node b, NodeNetwork netB)
    {
        A = a;
        NetA = netA;
        B = b;
        NetB = netB;
    }

    public static TimeSpan Deadline { get; } = TimeSpan.FromSeconds(10);

    public Node A { get; }

    public NodeNetwork NetA { get; }

    public Node B { get; }

    public NodeNetwork NetB { get; }

    public static async Task<Pair> StartAsync(Action<NetworkOptions>? configure = null, bool connect = true)
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var a = new Node(new NodeOptions { Name = $"a{suffix}@127.0.0.1" });
        var b = new Node(new NodeOptions { Name = $"b{suffix}@127.0.0.1" });
        var netA = await NodeNetwork.StartAsync(a, Options(configure));
        var netB = await NodeNetwork.StartAsync(b, Options(configure));
        var pair = new Pair(a, netA, b, netB);
        netA.AddPeer(netB.Address);
        netB.AddPeer(netA.Address);
        if (connect)
        {
            Assert.True(await netA.ConnectAsync(netB.Address).WaitAsync(Deadline), "a connects to b");
        }

        return pair;
    }

    public static NetworkOptions Options(Action<NetworkOptions>? configure)
    {
        var options = Shared.Options(Cookie, 0, TimeSpan.FromSeconds(4));
        configure?.Invoke(options);
        return options;
    }

    public async ValueTask DisposeAsync()
    {
        await NetA.DisposeAsync();
        await NetB.DisposeAsync();
        await A.DisposeAsync();
        await B.DisposeAsync();
    }
}
