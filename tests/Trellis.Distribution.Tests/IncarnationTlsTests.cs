using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Trellis.Distribution.TestNode;

namespace Trellis.Distribution.Tests;

/// <summary>A restarted node is a new incarnation; TLS between nodes.</summary>
public sealed class IncarnationTlsTests
{
    private static readonly TimeSpan Deadline = Pair.Deadline;

    [Fact]
    public async Task APidOfANodeThatRestarted_NeverReachesTheNewIncarnation()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        await using var a = new Node(new NodeOptions { Name = $"a{suffix}@127.0.0.1" });
        await using var netA = await NodeNetwork.StartAsync(a, Pair.Options(null));
        Pid old;
        uint oldCreation;
        var down = new TaskCompletionSource<NodeDown>();
        var watcher = a.Spawn(async ctx => down.SetResult((NodeDown)(await ctx.ReceiveAsync(m => m is NodeDown, Timeout.InfiniteTimeSpan))!));
        netA.MonitorNodes(watcher, $"b{suffix}@127.0.0.1");
        await using (var b1 = new Node(new NodeOptions { Name = $"b{suffix}@127.0.0.1" }))
        {
            await using var net1 = await NodeNetwork.StartAsync(b1, Pair.Options(null));
            oldCreation = net1.Creation;
            var started = await GenServer.StartAsync(b1, () => new Counter(), 1, new GenServerOptions { Name = "counter" });
            Assert.True(started.IsOk);
            netA.AddPeer(net1.Address);
            old = await GenServer.CallAsync<Pid>(netA.Named("counter", b1.Name), "pid").AsTask().WaitAsync(Deadline);
        }

        await down.Task.WaitAsync(Deadline);

        // The same name again, with a process numbered as the old one was.
        await using var b2 = new Node(new NodeOptions { Name = $"b{suffix}@127.0.0.1" });
        await using var net2 = await NodeNetwork.StartAsync(b2, Pair.Options(null));
        Assert.NotEqual(oldCreation, net2.Creation);
        var again = await GenServer.StartAsync(b2, () => new Counter(), 2, new GenServerOptions { Name = "counter" });
        Assert.Equal(old.Id, again.Pid.Id);
        netA.AddPeer(net2.Address);
        Assert.True(await netA.ConnectAsync(net2.Address).WaitAsync(Deadline));

        var call = await Assert.ThrowsAsync<CallException>(async () => await GenServer.CallAsync(old, "get").AsTask().WaitAsync(Deadline));
        Assert.Equal(ExitReason.NoProc, call.Reason);
        Assert.False(old.Send("hello"));
        Assert.False(old.IsAlive);
        Assert.Equal(ExitReason.NoProc, await Node.WaitForExitAsync(old).WaitAsync(Deadline));
        Assert.Equal(2, await GenServer.CallAsync<int>(netA.Named("counter", b2.Name), "get").AsTask().WaitAsync(Deadline));
    }

    [Fact]
    public async Task Tls_BetweenNodes_Works_AndAPlainNodeCannotConnect()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=trellis-test-node", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        using var certificate = X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pfx), null);
        var thumbprint = certificate.Thumbprint;
        var tls = new NetworkTls { Certificate = certificate, ValidatePeer = (_, cert, _, _) => cert is not null && cert.GetCertHashString() == thumbprint };
        await using var pair = await Pair.StartAsync(o => o.Tls = tls);
        var started = await GenServer.StartAsync(pair.B, () => new Counter(), 3, new GenServerOptions { Name = "counter" });
        Assert.True(started.IsOk);
        Assert.Equal(3, await GenServer.CallAsync<int>(pair.NetA.Named("counter", pair.B.Name), "get").AsTask().WaitAsync(Deadline));

        await using var plain = new Node(new NodeOptions { Name = $"plain{Guid.NewGuid().ToString("N")[..6]}@127.0.0.1" });
        await using var plainNet = await NodeNetwork.StartAsync(plain, Pair.Options(o => o.ConnectTimeout = TimeSpan.FromSeconds(2)));
        Assert.False(await plainNet.ConnectAsync(pair.NetB.Address).WaitAsync(Deadline));
    }
}
