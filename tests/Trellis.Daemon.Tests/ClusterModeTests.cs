using System.Globalization;
using System.Text.Json;
using Trellis.Cluster.Tests;
using Trellis.OsProcess;
using static Trellis.Daemon.Tests.FaultTests;

namespace Trellis.Daemon.Tests;

/// <summary>
/// <c>trellis up --cluster</c>: several daemons on one etcd, each with its own state directory and the same tree, run
/// each cluster service on exactly one node (replicas on distinct nodes), move it when its daemon is SIGKILLed or
/// frozen past its lease, and never leave a copy running where the daemon died: the lifeline kills it.
/// </summary>
[Collection("etcd")]
public sealed class ClusterModeTests(SharedEtcd etcd) : IDisposable
{
    private readonly string _cookie = WriteCookie();
    private readonly int _mark = Random.Shared.Next(100_000, 900_000);

    private string Db => _mark.ToString(CultureInfo.InvariantCulture);

    private string Web => (_mark + 1).ToString(CultureInfo.InvariantCulture);

    private string Local => (_mark + 2).ToString(CultureInfo.InvariantCulture);

    private string Tree(string cluster) => $"""
        name: {cluster}
        dashboard: off
        cgroups: off
        cluster:
          ttl: 3s
          cookie_file: {_cookie}
        children:
          - service: here
            command: [sleep, "{Local}"]
          - service: db
            placement: cluster
            command: [sleep, "{Db}"]
          - service: web
            placement: cluster
            replicas: 2
            command: [sleep, "{Web}"]
        """;

    [Fact]
    public async Task Two_daemons_run_each_cluster_service_once_and_replicas_apart()
    {
        var tree = Tree("c" + _mark);
        await using var a = await JoinAsync(tree, "a");
        await using var b = await JoinAsync(tree, "b");
        await a.WaitForAsync(async () => (await PlacedAsync(a)).Count(p => p.Value is not null) == 3, "db, web.1 and web.2 placed");
        var placed = await PlacedAsync(b);
        Assert.NotEqual(placed["web.1"], placed["web.2"]);
        await a.WaitForAsync(() => Task.FromResult(Sleeps(Db).Count == 1 && Sleeps(Web).Count == 2 && Sleeps(Local).Count == 2), "one db, two web, a local service on each");

        var (code, nodes, _) = await a.CtlAsync("nodes", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(nodes);
        Assert.Equal(["a@127.0.0.1", "b@127.0.0.1"], doc.RootElement.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("name").GetString()).Order());
        // The dashboard's tree carries the members and where each service runs.
        var (_, shown) = await b.Client.GetAsync("api/tree");
        Assert.Equal("b@127.0.0.1", shown.GetProperty("cluster").GetProperty("self").GetString());
        Assert.Equal(3, shown.GetProperty("cluster").GetProperty("members").EnumerateArray().Sum(m => m.GetProperty("services").GetArrayLength()));
        var (tableCode, table, _) = await b.CtlAsync("status");
        Assert.Equal(0, tableCode);
        Assert.Contains("NODE", table, StringComparison.Ordinal);

        // Stopped from either daemon, it stops everywhere and stays down; started again, it runs once.
        Assert.Equal(0, (await b.CtlAsync("stop", "db")).Code);
        await a.WaitForAsync(() => Task.FromResult(Sleeps(Db).Count == 0), "db stopped in the cluster");
        Assert.Equal(0, (await b.CtlAsync("start", "db")).Code);
        await a.WaitForAsync(() => Task.FromResult(Sleeps(Db).Count == 1), "db running once again");
    }

    [Fact]
    public async Task A_SIGKILLed_daemons_cluster_services_die_with_it_and_run_again_on_the_survivor()
    {
        var tree = Tree("k" + _mark);
        await using var a = await JoinAsync(tree, "a");
        await using var b = await JoinAsync(tree, "b");
        await a.WaitForAsync(async () => (await PlacedAsync(a)).Values.Count(v => v is not null) == 3 && Sleeps(Db).Count == 1, "everything placed");
        var host = (await PlacedAsync(a))["db"] == "a@127.0.0.1" ? a : b;
        var survivor = host == a ? b : a;
        var old = Assert.Single(Sleeps(Db));

        await host.KillAsync();

        // The lifeline kills the copy at once (its daemon's FIFO closed), long before the lease ends.
        await survivor.WaitForAsync(() => Task.FromResult(!Live(old)), $"the killed daemon's db (pid {old}) gone");
        await survivor.WaitForAsync(async () => Sleeps(Db).Count == 1 && (await PlacedAsync(survivor))["db"] == Name(survivor, a), "db running on the survivor");
        Assert.NotEqual(old, Assert.Single(Sleeps(Db)));

        // web's replica that ran on the dead node has nowhere to go: it waits rather than doubling up.
        Assert.Single(Sleeps(Web));
        Assert.Contains((await PlacedAsync(survivor)).Values, v => v is null);
        KillLeftovers(Local);
    }

    [Fact]
    public async Task A_killed_lifeline_is_started_again_and_still_takes_the_daemons_copy_with_it()
    {
        var tree = Tree("l" + _mark);
        await using var a = await JoinAsync(tree, "a");
        await a.WaitForAsync(() => Task.FromResult(Sleeps(Db).Count == 1 && Lifelines(a.Pid).Count == 1), "db running, one lifeline");
        var first = Assert.Single(Lifelines(a.Pid));
        _ = OsProcess.Native.Libc.kill(first, Signals.Kill);
        await a.WaitForAsync(() => Task.FromResult(Lifelines(a.Pid) is [var next] && next != first), "a new lifeline");
        var old = Assert.Single(Sleeps(Db));

        await a.KillAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (Live(old) && !deadline.IsCancellationRequested)
        {
            await Task.Yield();
        }

        Assert.False(Live(old), $"db (pid {old}) outlived its killed daemon: the new lifeline did not take it");
        KillLeftovers(Local);
    }

    [Fact]
    public async Task A_daemon_frozen_past_its_lease_loses_its_services_to_the_lifeline_and_rejoins_when_it_resumes()
    {
        var tree = Tree("f" + _mark);
        await using var a = await JoinAsync(tree, "a");
        await using var b = await JoinAsync(tree, "b");
        await a.WaitForAsync(async () => (await PlacedAsync(a)).Values.Count(v => v is not null) == 3 && Sleeps(Db).Count == 1, "everything placed");
        var host = (await PlacedAsync(a))["db"] == "a@127.0.0.1" ? a : b;
        var other = host == a ? b : a;
        var old = Assert.Single(Sleeps(Db));
        try
        {
            _ = OsProcess.Native.Libc.kill(host.Pid, Signals.Stop);
            await other.WaitForAsync(() => Task.FromResult(!Live(old)), $"the frozen daemon's db (pid {old}) killed by its lifeline");
            await other.WaitForAsync(() => Task.FromResult(Sleeps(Db).Count == 1), "db running on the other daemon");
        }
        finally
        {
            _ = OsProcess.Native.Libc.kill(host.Pid, Signals.Cont);
        }

        // Resumed, it finds itself fenced, rejoins, and takes a replica again; db still runs exactly once.
        await other.WaitForAsync(async () => (await PlacedAsync(other)).Values.All(v => v is not null), "both replicas placed again");
        Assert.Single(Sleeps(Db));
        Assert.Equal(2, Sleeps(Web).Count);
    }

    [Fact]
    public async Task Without_etcd_up_cluster_fails_with_a_clear_error_and_starts_nothing()
    {
        var tree = Tree("u" + _mark);
        var d = DaemonProcess.Launch(tree, "--cluster", "http://127.0.0.1:1", "--node", "x@127.0.0.1");
        await using (d)
        {
            Assert.Equal(8, await d.Exited.WaitAsync(DaemonProcess.Deadline));
            Assert.Contains("cannot join the cluster at http://127.0.0.1:1", d.Output, StringComparison.Ordinal);
            Assert.Empty(Sleeps(Local));
        }
    }

    public void Dispose()
    {
        KillLeftovers(Db);
        KillLeftovers(Web);
        KillLeftovers(Local);
        File.Delete(_cookie);
    }

    private Task<DaemonProcess> JoinAsync(string tree, string name) =>
        DaemonProcess.StartAsync(tree, "--cluster", etcd.Server.Endpoint, "--node", name + "@127.0.0.1");

    private static string Name(DaemonProcess d, DaemonProcess a) => d == a ? "a@127.0.0.1" : "b@127.0.0.1";

    /// <summary>Each cluster service and the node the daemon says it runs on (null while it runs nowhere).</summary>
    private static async Task<Dictionary<string, string?>> PlacedAsync(DaemonProcess d)
    {
        var (_, body) = await d.Client.GetAsync("api/status");
        return body.GetProperty("nodes").EnumerateArray()
            .Where(r => r.TryGetProperty("parent", out var p) && p.GetString() == "cluster")
            .Select(r => r.GetProperty("node"))
            .ToDictionary(
                n => n.GetProperty("name").GetString()!,
                n => n.GetProperty("status").GetString() == "running" && n.TryGetProperty("node", out var at) ? at.GetString() : null);
    }

    /// <summary>The lifeline watchdogs whose parent is <paramref name="daemon"/>.</summary>
    private static List<int> Lifelines(int daemon) => Processes((pid, argv) => argv is [.., "lifeline"] && ParentOf(pid) == daemon);

    private static int ParentOf(int pid) =>
        File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status").FirstOrDefault(l => l.StartsWith("PPid:", StringComparison.Ordinal)) is { } line
            ? int.Parse(line[5..].Trim(), CultureInfo.InvariantCulture)
            : 0;

    private static string WriteCookie()
    {
        var path = Path.Combine(Path.GetTempPath(), "trellis-cookie-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)) + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    private static void KillLeftovers(string mark)
    {
        foreach (var pid in Sleeps(mark))
        {
            _ = OsProcess.Native.Libc.kill(pid, Signals.Kill);
        }
    }
}
