using System.Buffers.Binary;
using System.Net.Sockets;
using Trellis.Distribution.TestNode;

namespace Trellis.Distribution.Tests;

/// <summary>What strangers and broken peers send: each is refused with a log line, and the node keeps serving.</summary>
public sealed class BadInputTests
{
    private static readonly TimeSpan Deadline = Pair.Deadline;

    private static async Task AssertStillServesAsync(Pair pair)
    {
        var started = await GenServer.StartAsync(pair.B, () => new Counter(), 5);
        Assert.True(started.IsOk);
        var remote = await pair.NetA.SpawnAsync(pair.B.Name, "nothing").WaitAsync(Deadline);
        Assert.True(remote.IsError);
        Assert.True(pair.B.TryRegister("probe", started.Pid));
        Assert.Equal(5, await GenServer.CallAsync<int>(pair.NetA.Named("probe", pair.B.Name), "get").AsTask().WaitAsync(Deadline));
    }

    private static async Task<Socket> RawAsync(NodeNetwork net)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", net.Address.Port);
        return socket;
    }

    private static async Task<bool> ClosedByPeerAsync(Socket socket)
    {
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(Deadline);
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0)
            {
            }

            return true;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    [Fact]
    public async Task Garbage_AnOversizedHandshake_AndSilence_AreClosed()
    {
        await using var pair = await Pair.StartAsync(o => o.ConnectTimeout = TimeSpan.FromSeconds(1));
        using (var garbage = await RawAsync(pair.NetB))
        {
            await garbage.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
            Assert.True(await ClosedByPeerAsync(garbage));
        }

        using (var huge = await RawAsync(pair.NetB))
        {
            var header = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(header, 100_000_000);
            await huge.SendAsync(header);
            Assert.True(await ClosedByPeerAsync(huge));
        }

        using (var silent = await RawAsync(pair.NetB))
        {
            // Says nothing: closed after the connect timeout (1 s here).
            Assert.True(await ClosedByPeerAsync(silent));
        }

        await AssertStillServesAsync(pair);
    }

    [Fact]
    public async Task TooManyPendingHandshakes_TheRestAreClosedAtOnce()
    {
        await using var pair = await Pair.StartAsync(o => o.MaxPendingHandshakes = 4);
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < 10; i++)
            {
                sockets.Add(await RawAsync(pair.NetB));
            }

            // The ones beyond the limit are closed without waiting for the handshake timeout (5 s): their reads end
            // (0 bytes, or a reset) well within 3 s; the 4 in their handshake wait for it.
            using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            var reads = sockets.Select(async socket =>
            {
                try
                {
                    return await socket.ReceiveAsync(new byte[16], SocketFlags.None, quick.Token) == 0;
                }
                catch (SocketException)
                {
                    return true;
                }
                catch (OperationCanceledException)
                {
                    return false;
                }
            }).ToList();
            var closed = (await Task.WhenAll(reads)).Count(c => c);
            Assert.True(closed == 6, $"{closed} of 10 closed at once (4 may wait in their handshake)");
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }

        await AssertStillServesAsync(pair);
    }

    [Fact]
    public async Task AnOversizedMessage_IsRefusedAtTheSender_WithTheLimitNamed()
    {
        await using var pair = await Pair.StartAsync(o => o.MaxFrameBytes = 64 * 1024);
        var error = Assert.Throws<ArgumentException>(() => pair.NetA.Send("echo", pair.B.Name, new byte[100_000]));
        Assert.Contains("MaxFrameBytes", error.Message, StringComparison.Ordinal);
        await AssertStillServesAsync(pair);
    }

    [Fact]
    public async Task AMessageOfAnUnregisteredType_IsDropped_AndTheConnectionStays()
    {
        await using var pair = await Pair.StartAsync();
        // A third node that registers one more type than B does.
        await using var other = new Node(new NodeOptions { Name = $"c{Guid.NewGuid().ToString("N")[..6]}@127.0.0.1" });
        var options = Pair.Options(null);
        options.MessageTypes.Register<Version>("version");
        await using var net = await NodeNetwork.StartAsync(other, options);
        Assert.True(await net.ConnectAsync(pair.NetB.Address).WaitAsync(Deadline));
        var got = new TaskCompletionSource<object>();
        pair.B.Register("sink", pair.B.Spawn(async ctx => got.SetResult(await ctx.ReceiveAsync())));
        net.Send("sink", pair.B.Name, new Version(1, 2));
        net.Send("sink", pair.B.Name, "after");
        Assert.Equal("after", await got.Task.WaitAsync(Deadline));
        Assert.Contains(pair.B.Name, net.Connections);
    }
}
