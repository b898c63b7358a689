using System.Diagnostics;
using System.Globalization;
using Trellis;
using Trellis.Bench.Cluster;
using Trellis.Cluster;
using Trellis.Distribution;

// Issue 17's benchmark (bench/cluster.sh): a real etcd, member processes on loopback, and a client node that drives
// them and measures. Lines "name value".
//   serve NAME ETCD CLUSTER TTL                a member exposing kind "worker"; prints "ready", then events
//   client ETCD TTL KILLS FAULT_SECONDS        the measurements
const string Cookie = "trellis-bench-cluster-cookie";
var culture = CultureInfo.InvariantCulture;
if (args is ["serve", var serveName, var serveEtcd, var serveCluster, var serveTtl])
{
    await using var node = new Node(new NodeOptions { Name = serveName });
    await using var net = await NodeNetwork.StartAsync(node, new NetworkOptions { Cookie = Cookie, TickTime = TimeSpan.FromSeconds(4) });
    await using var member = await ClusterNode.JoinAsync(net, new ClusterOptions { Endpoints = serveEtcd, Cluster = serveCluster, LeaseTtl = TimeSpan.FromSeconds(int.Parse(serveTtl, culture)) });
    Out.Member = member;
    member.Expose("worker", () => new Worker());
    var watcher = node.Spawn(async ctx =>
    {
        while (true)
        {
            if (await ctx.ReceiveAsync() is MembershipChanged change)
            {
                Out.Line($"{(change.Fenced ? "fenced" : "rejoined")} {serveName} {change.Reason}");
            }
        }
    });
    member.MonitorMembers(watcher);
    Out.Line("ready");
    await Console.In.ReadToEndAsync();
    return 0;
}

if (args is not ["client", var etcd, var ttlText, var killsText, var faultText])
{
    Console.Error.WriteLine("usage: serve NAME ETCD CLUSTER TTL | client ETCD TTL KILLS FAULT_SECONDS");
    return 2;
}

var ttl = int.Parse(ttlText, culture);
var kills = int.Parse(killsText, culture);
var faultSeconds = int.Parse(faultText, culture);
var cluster = "bench" + Environment.ProcessId.ToString(culture);
var members = new Members(etcd, cluster, ttl);
void Out2(string name, object value) => Console.WriteLine(string.Create(culture, $"{name} {value}"));
try
{
    await using var here = new Node(new NodeOptions { Name = "bench@127.0.0.1" });
    await using var net = await NodeNetwork.StartAsync(here, new NetworkOptions { Cookie = Cookie, TickTime = TimeSpan.FromSeconds(4) });
    await using var me = await ClusterNode.JoinAsync(net, new ClusterOptions { Endpoints = etcd, Cluster = cluster, LeaseTtl = TimeSpan.FromSeconds(ttl) });
    for (var i = 0; i < 3; i++)
    {
        await members.StartAsync();
    }

    await WaitAsync(() => me.Members.Count == 4, "four members");

    // 1,000 children across the three members.
    var big = new ClusterSupervisorSpec("big")
    {
        Flags = new SupervisorFlags { Intensity = 10, Period = TimeSpan.FromSeconds(60) },
        Children = [.. Enumerable.Range(0, 1000).Select(i => new ClusterChildSpec("c" + i.ToString(culture), "worker"))],
    };
    var sw = Stopwatch.StartNew();
    var bigSup = await ClusterSupervisor.StartAsync(me, big);
    var started = sw.Elapsed.TotalMilliseconds;
    if (!bigSup.IsOk)
    {
        throw new InvalidOperationException($"1,000 children did not start: {bigSup}");
    }

    var spread = (await ClusterSupervisor.WhichChildrenAsync(bigSup.Pid)).GroupBy(c => c.Node).Select(g => g.Count()).Order().ToList();
    sw.Restart();
    await GenServer.StopAsync(bigSup.Pid, ExitReason.Shutdown, TimeSpan.FromMinutes(2));
    var stopped = sw.Elapsed.TotalMilliseconds;
    Out2("start_1000_ms", Math.Round(started, 1));
    Out2("start_1000_spread", string.Join("/", spread));
    Out2("stop_1000_ms", Math.Round(stopped, 1));

    // A cluster name lookup from the watch's cache, against a local Registry lookup.
    var fo = new ClusterSupervisorSpec("fo")
    {
        Flags = new SupervisorFlags { Intensity = 1000, Period = TimeSpan.FromSeconds(1) },
        Children = [new ClusterChildSpec("svc", "worker") { Name = "svc", Argument = "svc" }],
    };
    var foSup = await ClusterSupervisor.StartAsync(me, fo);
    if (!foSup.IsOk)
    {
        throw new InvalidOperationException($"the failover supervisor did not start: {foSup}");
    }

    await WaitAsync(() => !me.WhereIs("svc").IsNone, "the name svc cached");
    await Registry.StartAsync(here, new RegistryOptions { Name = "bench" });
    var holder = here.Spawn(async ctx =>
    {
        Registry.Register(ctx, "bench", "svc");
        await ctx.ReceiveAsync();
    });
    await WaitAsync(() => !Registry.WhereIs(here, "bench", "svc").IsNone, "the registry entry");
    Out2("lookup_cluster_ns", Math.Round(Ns(() => me.WhereIs("svc")), 1));
    Out2("lookup_registry_ns", Math.Round(Ns(() => Registry.WhereIs(here, "bench", "svc")), 1));
    Node.Exit(holder, ExitReason.Kill);

    // Failover: SIGKILL of the child's node, to the replacement answering a call through its cluster name.
    var failovers = new List<double>();
    for (var k = 0; k < kills; k++)
    {
        var info = (await ClusterSupervisor.WhichChildrenAsync(foSup.Pid)).Single();
        if (info.Node is not { } host || info.Pid.IsNone)
        {
            await WaitAsync2(async () => (await ClusterSupervisor.WhichChildrenAsync(foSup.Pid)).Single() is { Pid.IsNone: false }, "svc placed");
            k--;
            continue;
        }

        var t0 = Stopwatch.GetTimestamp();
        members.Kill(host);
        while (true)
        {
            try
            {
                if (await me.CallAsync("svc", "ping", TimeSpan.FromMilliseconds(500)) is string at && at != host)
                {
                    break;
                }
            }
            catch (Exception e) when (e is CallException or ExitException or InvalidOperationException or KeyNotFoundException)
            {
            }

            await Task.Delay(5);
        }

        failovers.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        await members.StartAsync();
        await WaitAsync(() => me.Members.Count == 4, "a replacement member");
    }

    failovers.Sort();
    Out2("failover_p50_ms", Math.Round(failovers[(failovers.Count - 1) / 2], 0));
    Out2("failover_p99_ms", Math.Round(failovers[Math.Max(0, (int)Math.Ceiling(failovers.Count * 0.99) - 1)], 0));
    Out2("failover_target_ms", (ttl + 1) * 1000);
    Out2("failovers", failovers.Count);
    await GenServer.StopAsync(foSup.Pid, ExitReason.Shutdown, TimeSpan.FromSeconds(30));

    // A randomized fault schedule (SIGKILL of a node, SIGSTOP past its lease and SIGCONT) while three children tick.
    var rnd = new ClusterSupervisorSpec("rnd")
    {
        Flags = new SupervisorFlags { Intensity = 10_000, Period = TimeSpan.FromSeconds(1) },
        Children = [.. Enumerable.Range(0, 3).Select(i => new ClusterChildSpec("r" + i.ToString(culture), "worker") { Argument = "r" + i.ToString(culture) })],
    };
    var rndSup = await ClusterSupervisor.StartAsync(me, rnd);
    if (!rndSup.IsOk)
    {
        throw new InvalidOperationException($"the fault run's supervisor did not start: {rndSup}");
    }

    var random = new Random(17);
    var schedule = Stopwatch.StartNew();
    int killed = 0, frozen = 0;
    while (schedule.Elapsed.TotalSeconds < faultSeconds)
    {
        var live = members.Live;
        var victim = live[random.Next(live.Count)];
        if (random.Next(2) == 0)
        {
            members.Kill(victim);
            killed++;
            await members.StartAsync();
        }
        else
        {
            members.Signal(victim, "STOP");
            frozen++;
            await Task.Delay(TimeSpan.FromSeconds(ttl + random.NextDouble()));
            members.Signal(victim, "CONT");
        }

        await Task.Delay(TimeSpan.FromMilliseconds(500 + random.Next(1500)));
    }

    // After the last fault: every child must run again, once. Past the lease's time to live, each child ticking in
    // the last second exactly once is the end of the run; how long that took is the recovery.
    var recovery = Stopwatch.StartNew();
    var (duplicates, orphans, missing) = (0, 0, -1);
    while (recovery.Elapsed < TimeSpan.FromSeconds(60))
    {
        await Task.Delay(250);
        (duplicates, orphans, missing) = members.Check(Stopwatch.GetTimestamp(), [.. rnd.Children.Select(c => c.Id)]);
        if (orphans == 0 && missing == 0 && recovery.Elapsed > TimeSpan.FromSeconds(ttl + 1))
        {
            break;
        }
    }

    Out2("recovered_ms", Math.Round(recovery.Elapsed.TotalMilliseconds, 0));
    if (missing != 0 || orphans != 0)
    {
        foreach (var c in await ClusterSupervisor.WhichChildrenAsync(rndSup.Pid))
        {
            Console.Error.WriteLine($"not recovered: {c} (members {string.Join(", ", me.Members.Select(m => m.Name))}; live processes {string.Join(", ", members.Live)})");
        }

        Console.Error.WriteLine(members.Tail(40));
        if (Environment.GetEnvironmentVariable("BENCH_DUMP") is { Length: > 0 } dump)
        {
            members.Dump(dump, Stopwatch.GetTimestamp());
        }
    }
    Out2("faults_killed", killed);
    Out2("faults_frozen", frozen);
    Out2("duplicates", duplicates);
    Out2("orphans", orphans);
    Out2("not_running_after", missing);
    await GenServer.StopAsync(rndSup.Pid, ExitReason.Shutdown, TimeSpan.FromSeconds(30));
    return 0;
}
finally
{
    members.Dispose();
}

static double Ns(Func<Pid> lookup)
{
    for (var i = 0; i < 100_000; i++)
    {
        lookup();
    }

    const int N = 2_000_000;
    var sw = Stopwatch.StartNew();
    for (var i = 0; i < N; i++)
    {
        lookup();
    }

    return sw.Elapsed.TotalNanoseconds / N;
}

static Task WaitAsync(Func<bool> done, string what) => WaitAsyncCore(() => Task.FromResult(done()), what);

static Task WaitAsync2(Func<Task<bool>> done, string what) => WaitAsyncCore(done, what);

static async Task WaitAsyncCore(Func<Task<bool>> done, string what)
{
    var sw = Stopwatch.StartNew();
    while (!await done())
    {
        if (sw.Elapsed > TimeSpan.FromMinutes(1))
        {
            throw new TimeoutException("waited a minute for " + what);
        }

        await Task.Delay(10);
    }
}
