using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Trellis.Cluster.Tests;

/// <summary>
/// Three etcd members on loopback, each with its own data directory: one can be SIGKILLed (the leader, or enough to
/// lose the quorum) and started again on the same directory and ports. Stopped by pid when disposed.
/// </summary>
public sealed class EtcdCluster : IAsyncDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("trellis-etcd3-").FullName;
    private readonly (int Client, int Peer)[] _ports = [.. Enumerable.Range(0, 3).Select(_ => (FreePort(), FreePort()))];
    private readonly Process?[] _members = new Process?[3];

    /// <summary>The three client URLs, comma-separated, as a node is given them.</summary>
    public string Endpoints => string.Join(',', _ports.Select(p => $"http://127.0.0.1:{p.Client}"));

    public static async Task<EtcdCluster> StartAsync()
    {
        var cluster = new EtcdCluster();
        try
        {
            await Task.WhenAll(Enumerable.Range(0, 3).Select(cluster.StartMemberAsync));
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    /// <summary>Starts member <paramref name="i"/> (again, on its own data directory) and waits until it serves.</summary>
    public async Task StartMemberAsync(int i)
    {
        var initial = string.Join(',', _ports.Select((p, k) => $"m{k}=http://127.0.0.1:{p.Peer}"));
        var info = new ProcessStartInfo("etcd") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[]
        {
            "--name", $"m{i}", "--data-dir", Path.Combine(_dir, $"m{i}"),
            "--listen-client-urls", $"http://127.0.0.1:{_ports[i].Client}", "--advertise-client-urls", $"http://127.0.0.1:{_ports[i].Client}",
            "--listen-peer-urls", $"http://127.0.0.1:{_ports[i].Peer}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{_ports[i].Peer}",
            "--initial-cluster", initial, "--initial-cluster-token", Path.GetFileName(_dir),
            "--heartbeat-interval", "50", "--election-timeout", "500",
        })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("etcd did not start (is etcd-server installed?)");
        _members[i] = process;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("ready to serve client requests", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>SIGKILL of member <paramref name="i"/>, waited for.</summary>
    public async Task KillAsync(int i)
    {
        var p = _members[i]!;
        p.Kill();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        p.Dispose();
        _members[i] = null;
    }

    /// <summary>Which member leads now, as a live member's maintenance status says (its member id against the leader's).</summary>
    public async Task<int> LeaderAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var ids = new ulong?[3];
        ulong? leader = null;
        for (var i = 0; i < 3; i++)
        {
            if (_members[i] is null)
            {
                continue;
            }

            using var reply = await http.PostAsync($"http://127.0.0.1:{_ports[i].Client}/v3/maintenance/status", new StringContent("{}"));
            using var body = JsonDocument.Parse(await reply.Content.ReadAsStringAsync());
            ids[i] = ulong.Parse(body.RootElement.GetProperty("header").GetProperty("member_id").GetString()!, CultureInfo.InvariantCulture);
            leader = ulong.Parse(body.RootElement.GetProperty("leader").GetString()!, CultureInfo.InvariantCulture);
        }

        return Array.FindIndex(ids, id => id is not null && id == leader);
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = 0; i < 3; i++)
        {
            if (_members[i] is { } p)
            {
                p.Kill();
                await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
                p.Dispose();
            }
        }

        Directory.Delete(_dir, recursive: true);
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
