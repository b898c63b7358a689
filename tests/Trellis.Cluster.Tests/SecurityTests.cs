using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using dotnet_etcd;
using Etcdserverpb;

namespace Trellis.Cluster.Tests;

/// <summary>etcd behind TLS with client certificates, and etcd with authentication: a node joins with what it is given, and is refused by name without it.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SecurityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("trellis-etcd-sec-").FullName;

    [Fact]
    public async Task A_node_joins_an_etcd_over_TLS_with_its_client_certificate_and_is_refused_without_it()
    {
        var pki = Pki.Create(_dir);
        await using var etcd = await EtcdServer.StartAsync(tls: (pki.ServerCertFile, pki.ServerKeyFile, pki.CaFile));
        Assert.StartsWith("https://", etcd.Endpoint, StringComparison.Ordinal);
        await using var cluster = await TestCluster.StartAsync(etcd.Endpoint, 0);
        var options = cluster.Options(3);
        options.EtcdCaFile = pki.CaFile;
        options.EtcdCertificateFile = pki.ClientCertFile;
        options.EtcdKeyFile = pki.ClientKeyFile;
        ClusterNode member;
        try
        {
            member = await cluster.AddAsync("tls", options: options);
        }
        catch (ClusterUnavailableException e)
        {
            throw new InvalidOperationException($"{e.Message}\netcd said:\n{etcd.Log}", e);
        }

        var holder = cluster.Sink.Inbox(member.Node);
        Assert.Equal(NameRegistrationStatus.Registered, (await member.RegisterNameAsync("over-tls", holder)).Status);

        // No client certificate: etcd closes the handshake, and the join says so within the lease's time to live.
        var bare = cluster.Options(2);
        bare.EtcdCaFile = pki.CaFile;
        var refused = await Assert.ThrowsAsync<ClusterUnavailableException>(() => cluster.AddAsync("bare", options: bare));
        Assert.Contains(etcd.Endpoint, refused.Message, StringComparison.Ordinal);

        // The key must be private, and TLS settings with http:// endpoints are a mistake named as such.
        File.SetUnixFileMode(pki.ClientKeyFile, UnixFileMode.UserRead | UnixFileMode.GroupRead);
        var open = await Assert.ThrowsAsync<ArgumentException>(() => cluster.AddAsync("open", options: options));
        Assert.Contains("EtcdKeyFile", open.Message, StringComparison.Ordinal);
        var plain = cluster.Options(3);
        plain.Endpoints = "http://127.0.0.1:2379";
        plain.EtcdCaFile = pki.CaFile;
        Assert.Contains("https://", (await Assert.ThrowsAsync<ArgumentException>(() => cluster.AddAsync("plain", options: plain))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_authenticates_to_an_etcd_with_auth_enabled_and_keeps_its_token()
    {
        await using var etcd = await EtcdServer.StartAsync();
        using (var admin = new EtcdClient(etcd.Endpoint))
        {
            await admin.UserAddAsync(new AuthUserAddRequest { Name = "root", Password = "root-secret-0123" });
            await admin.UserGrantRoleAsync(new AuthUserGrantRoleRequest { User = "root", Role = "root" });
            await admin.AuthEnableAsync(new AuthEnableRequest());
        }

        var passwordFile = Path.Combine(_dir, "password");
        File.WriteAllText(passwordFile, "root-secret-0123\n");
        File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await using var cluster = await TestCluster.StartAsync(etcd.Endpoint, 0);
        var options = cluster.Options(3);
        options.EtcdUser = "root";
        options.EtcdPasswordFile = passwordFile;
        var a = await cluster.AddAsync("a", options: options);
        var b = await cluster.AddAsync("b", options: options);
        await cluster.WaitForMembersAsync(2);
        var sup = await ClusterSupervisor.StartAsync(a, new ClusterSupervisorSpec("authed") { Children = [new ClusterChildSpec("x", "worker") { Argument = "x" }] });
        Assert.True(sup.IsOk, sup.ToString());

        // Without a user, or with a wrong password: refused, with etcd's reason.
        var anonymous = await Assert.ThrowsAsync<ClusterUnavailableException>(() => cluster.AddAsync("anon", options: cluster.Options(2)));
        Assert.Contains(etcd.Endpoint, anonymous.Message, StringComparison.Ordinal);
        var wrong = Path.Combine(_dir, "wrong");
        File.WriteAllText(wrong, "not-the-password\n");
        File.SetUnixFileMode(wrong, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var bad = cluster.Options(2);
        bad.EtcdUser = "root";
        bad.EtcdPasswordFile = wrong;
        var joining = System.Diagnostics.Stopwatch.StartNew();
        var refused = await Assert.ThrowsAsync<ClusterUnavailableException>(() => cluster.AddAsync("bad", options: bad));
        Assert.Contains("refused the join", refused.Message, StringComparison.Ordinal);
        Assert.Contains("authentication failed", refused.Message, StringComparison.Ordinal);
        // A refusal is not retried until the lease's time to live has passed, as a busy etcd's timeouts are.
        Assert.True(joining.Elapsed < bad.LeaseTtl, $"refused after {joining.Elapsed}");
        Assert.False(b.IsFenced);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

/// <summary>A CA, etcd's server certificate for 127.0.0.1 and a client certificate, as PEM files (keys 0600).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed record Pki(string CaFile, string ServerCertFile, string ServerKeyFile, string ClientCertFile, string ClientKeyFile)
{
    public static Pki Create(string dir)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=trellis-test-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var pki = new Pki(Path.Combine(dir, "ca.pem"), Path.Combine(dir, "server.pem"), Path.Combine(dir, "server.key"), Path.Combine(dir, "client.pem"), Path.Combine(dir, "client.key"));
        File.WriteAllText(pki.CaFile, ca.ExportCertificatePem());
        Issue(ca, "CN=127.0.0.1", server: true, pki.ServerCertFile, pki.ServerKeyFile);
        Issue(ca, "CN=trellis-node", server: false, pki.ClientCertFile, pki.ClientKeyFile);
        return pki;
    }

    private static void Issue(X509Certificate2 ca, string subject, bool server, string certFile, string keyFile)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        // etcd's own gateway connects to it with the server certificate, so that one is for client auth too.
        OidCollection usages = server ? [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")] : [new Oid("1.3.6.1.5.5.7.3.2")];
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(System.Net.IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        // Within the CA's own validity: a leaf may not outlive its issuer (taking UtcNow again could be a second later).
        using var cert = request.Create(ca, ca.NotBefore, ca.NotAfter, RandomNumberGenerator.GetBytes(12));
        File.WriteAllText(certFile, cert.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
