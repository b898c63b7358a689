using System.Diagnostics;
using System.Globalization;
using Trellis;
using Trellis.Bench.Dist;
using Trellis.Distribution;

// The Trellis side of bench/dist.sh: the same workloads as bench/erlang/trellis_dist_bench.erl, "name value" lines.
//   serve NAME COOKIE                      a peer node: prints "ready PORT", registers bench_srv, exposes "idle"
//   client COOKIE CALLS CASTS KILLS STOPS SETUPS
const double TickSeconds = 4;
var culture = CultureInfo.InvariantCulture;
if (args is ["serve", var serveName, var serveCookie])
{
    await using var node = new Node(new NodeOptions { Name = serveName });
    await using var net = await NodeNetwork.StartAsync(node, new NetworkOptions { Cookie = serveCookie, TickTime = TimeSpan.FromSeconds(TickSeconds) });
    net.Expose("idle", async (ctx, _) => await ctx.ReceiveAsync());
    var started = await GenServer.StartAsync(node, () => new BenchServer(), null, new GenServerOptions { Name = "bench_srv" });
    Console.WriteLine(string.Create(culture, $"ready {net.Address.Port} {Environment.ProcessId}"));
    await Console.In.ReadToEndAsync();
    return started.IsOk ? 0 : 1;
}

if (args is not ["client", var cookie, var callsText, var castsText, var killsText, var stopsText, var setupsText])
{
    Console.Error.WriteLine("usage: serve NAME COOKIE | client COOKIE CALLS CASTS KILLS STOPS SETUPS");
    return 2;
}

int Int(string s) => int.Parse(s, culture);
void Out(string name, double value) => Console.WriteLine(string.Create(culture, $"{name} {value:0.###}"));
double Percentile(List<double> values, int p)
{
    if (values.Count == 0)
    {
        return double.NaN;
    }

    values.Sort();
    return values[Math.Max(0, (values.Count * p / 100) - 1)];
}

var self = Path.ChangeExtension(typeof(BenchServer).Assembly.Location, ".dll");
await using var here = new Node(new NodeOptions { Name = "bench_a@127.0.0.1" });
await using var network = await NodeNetwork.StartAsync(here, new NetworkOptions { Cookie = cookie, TickTime = TimeSpan.FromSeconds(TickSeconds) });
var peers = new List<Process>();
try
{
    var (peerName, _) = await StartPeerAsync("bench_b");
    var srv = network.Named("bench_srv", peerName);

    // Call round trip.
    for (var i = 0; i < 2000; i++)
    {
        await GenServer.CallAsync(srv, "ping");
    }

    var calls = Int(callsText);
    var lat = new List<double>(calls);
    for (var i = 0; i < calls; i++)
    {
        var t0 = Stopwatch.GetTimestamp();
        await GenServer.CallAsync(srv, "ping");
        lat.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
    }

    Out("call_p50_us", Percentile(lat, 50));
    Out("call_p99_us", Percentile(lat, 99));

    // Casts: each sender casts to its own receiver there, then calls it once (the call comes after its casts).
    foreach (var pairs in new[] { 1, 1000 })
    {
        var receivers = (object?[])(await GenServer.CallAsync(srv, pairs, TimeSpan.FromSeconds(60)))!;
        var per = Int(castsText) / pairs;
        var done = new TaskCompletionSource[pairs];
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < pairs; i++)
        {
            var receiver = (Pid)receivers[i]!;
            var finished = done[i] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            here.Spawn(async ctx =>
            {
                for (var n = 0; n < per; n++)
                {
                    GenServer.Cast(receiver, "x");
                }

                var count = await GenServer.CallAsync<int>(receiver, "count", Timeout.InfiniteTimeSpan);
                Debug.Assert(count == per, "every cast arrived");
                finished.SetResult();
            });
        }

        await Task.WhenAll(done.Select(d => d.Task));
        Out($"casts_{pairs}_per_s", Math.Round(per * pairs / clock.Elapsed.TotalSeconds));
        foreach (var receiver in receivers)
        {
            Node.Exit((Pid)receiver!, ExitReason.Kill);
        }
    }

    // DOWN after SIGKILL of the peer (through /bin/sh -c "kill -9", as Erlang's os:cmd does).
    var downs = new List<double>();
    for (var i = 0; i < Int(killsText); i++)
    {
        var (victim, osPid) = await StartPeerAsync($"victim{i}");
        var idle = await network.SpawnAsync(victim, "idle");
        var down = new TaskCompletionSource<DownMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        here.Spawn(async ctx =>
        {
            ctx.Monitor(idle.Pid);
            ready.SetResult();
            down.SetResult((DownMessage)await ctx.ReceiveAsync());
        });
        await ready.Task;
        // The shell that runs kill costs the same here as in the Erlang harness; its cost (kill -0) is taken off.
        var shell = await ShellCostAsync(osPid);
        var t0 = Stopwatch.GetTimestamp() + shell;
        await ShellAsync($"kill -9 {osPid}");
        var message = await down.Task.WaitAsync(TimeSpan.FromSeconds(30));
        downs.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        Debug.Assert(message.Reason == ExitReason.NoConnection, "noconnection");
    }

    Out("down_after_kill_ms", Percentile(downs, 50));

    // Detection of a SIGSTOPped peer at a tick time of 4 s.
    var stops = new List<double>();
    for (var i = 0; i < Int(stopsText); i++)
    {
        var (frozen, osPid) = await StartPeerAsync($"frozen{i}");
        var nodeDown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watcher = here.Spawn(async ctx =>
        {
            await ctx.ReceiveAsync(m => m is NodeDown, Timeout.InfiniteTimeSpan);
            nodeDown.SetResult();
        });
        network.MonitorNodes(watcher, frozen);
        var shell = await ShellCostAsync(osPid);
        var t0 = Stopwatch.GetTimestamp() + shell;
        await ShellAsync($"kill -STOP {osPid}");
        await nodeDown.Task.WaitAsync(TimeSpan.FromSeconds(30));
        stops.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        await ShellAsync($"kill -9 {osPid}");
    }

    Out("stop_detected_ms", Percentile(stops, 50));

    // Connection set-up: disconnect, then time a connect (TCP and the handshake).
    var setups = new List<double>();
    var address = new NodeAddress(peerName, PortOf(peerName));
    for (var i = 0; i < Int(setupsText); i++)
    {
        var gone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watcher = here.Spawn(async ctx =>
        {
            await ctx.ReceiveAsync(m => m is NodeDown, Timeout.InfiniteTimeSpan);
            gone.SetResult();
        });
        network.MonitorNodes(watcher, peerName);
        network.Disconnect(peerName);
        await gone.Task.WaitAsync(TimeSpan.FromSeconds(10));
        network.DemonitorNodes(watcher);
        var t0 = Stopwatch.GetTimestamp();
        if (!await network.ConnectAsync(address))
        {
            throw new InvalidOperationException("reconnect failed");
        }

        setups.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
    }

    Out("setup_ms", Percentile(setups, 50));
    return 0;
}
finally
{
    foreach (var peer in peers)
    {
        if (!peer.HasExited)
        {
            peer.Kill();
            await peer.WaitForExitAsync();
        }

        peer.Dispose();
    }
}

async Task<(string Name, int OsPid)> StartPeerAsync(string stem)
{
    var name = stem + "@127.0.0.1";
    var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardInput = true };
    foreach (var arg in new[] { self, "serve", name, cookie })
    {
        info.ArgumentList.Add(arg);
    }

    var process = Process.Start(info)!;
    peers.Add(process);
    var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)) ?? throw new InvalidOperationException("the peer did not start");
    var parts = line.Split(' ');
    var port = int.Parse(parts[1], culture);
    Ports[name] = port;
    network.AddPeer(new NodeAddress(name, port));
    if (!await network.ConnectAsync(new NodeAddress(name, port)))
    {
        throw new InvalidOperationException($"could not connect to {name}");
    }

    return (name, int.Parse(parts[2], culture));
}

static async Task<long> ShellCostAsync(int osPid)
{
    var best = long.MaxValue;
    for (var i = 0; i < 5; i++)
    {
        var s0 = Stopwatch.GetTimestamp();
        await ShellAsync($"kill -0 {osPid}");
        best = Math.Min(best, Stopwatch.GetTimestamp() - s0);
    }

    return best;
}

static async Task ShellAsync(string command)
{
    using var shell = Process.Start("/bin/sh", ["-c", command]);
    await shell.WaitForExitAsync();
}

int PortOf(string name) => Ports[name];

internal static partial class Program
{
    private static readonly Dictionary<string, int> Ports = new(StringComparer.Ordinal);
}
