using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Trellis.Cluster.Tests;

/// <summary>A real etcd on loopback with a temporary data directory, stopped by pid (and its directory removed) when disposed.</summary>
public sealed class EtcdServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;

    private EtcdServer(Process process, string dir, string scheme, string host, int port)
    {
        _process = process;
        _dir = dir;
        Endpoint = $"{scheme}://{host}:{port}";
    }

    public string Endpoint { get; }

    private List<string> _output = [];

    /// <summary>What etcd logged, for a failing test's message.</summary>
    public string Log
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output.TakeLast(20));
            }
        }
    }

    public int Pid => _process.Id;

    /// <summary>
    /// Starts etcd listening on <paramref name="host"/> (loopback by default; a bridge's address for the partition
    /// tests); with <paramref name="tls"/>, on https with that server certificate, and only for clients with a
    /// certificate the CA signed.
    /// </summary>
    public static async Task<EtcdServer> StartAsync(string host = "127.0.0.1", (string Cert, string Key, string Ca)? tls = null)
    {
        var scheme = tls is null ? "http" : "https";
        var dir = Directory.CreateTempSubdirectory("trellis-etcd-").FullName;
        var (client, peer) = (FreePort(), FreePort());
        var info = new ProcessStartInfo("etcd") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[]
        {
            "--name", "t", "--data-dir", dir,
            "--listen-client-urls", $"{scheme}://{host}:{client}", "--advertise-client-urls", $"{scheme}://{host}:{client}",
            "--listen-peer-urls", $"http://127.0.0.1:{peer}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{peer}",
            "--initial-cluster", $"t=http://127.0.0.1:{peer}", "--heartbeat-interval", "50", "--election-timeout", "500",
        })
        {
            info.ArgumentList.Add(arg);
        }

        if (tls is { } t)
        {
            foreach (var arg in new[] { "--cert-file", t.Cert, "--key-file", t.Key, "--trusted-ca-file", t.Ca, "--client-cert-auth" })
            {
                info.ArgumentList.Add(arg);
            }
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("etcd did not start (is etcd-server installed?)");
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new List<string>();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lock (output)
                {
                    output.Add(line);
                }
            }

            if (e.Data?.Contains("ready to serve client requests", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var server = new EtcdServer(process, dir, scheme, host, client) { _output = output };
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    public void Signal(string signal) => Process.Start("kill", ["-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Signal("CONT");
            _process.Kill();
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}

/// <summary>One etcd for the tests that do not freeze or kill it; each test uses a cluster name of its own.</summary>
public sealed class SharedEtcd : IAsyncLifetime
{
    public EtcdServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await EtcdServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition("etcd")]
public sealed class EtcdGroup : ICollectionFixture<SharedEtcd>;
