using System.Globalization;
using Trellis.Bench.Peers;

// Trellis beside Akka.NET and Proto.Actor: the same workloads, in one process, in one run; each figure is the median
// of the rounds, and the peers take turns within a round. Usage: bench/peers.sh [--quick] [--rounds N]
var quick = args.Contains("--quick");
var rounds = 5;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--rounds" && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var r) && r > 0)
    {
        rounds = r;
        i++;
    }
    else if (args[i] != "--quick")
    {
        Console.Error.WriteLine($"unknown argument '{args[i]}'. Usage: Trellis.Bench.Peers [--quick] [--rounds N]");
        return 2;
    }
}

var sizes = quick ? new Sizes(1_000, 20_000, 20_000, 5_000, 200_000) : new Sizes(10_000, 100_000, 100_000, 20_000, 2_000_000);
Console.WriteLine($"Trellis, Akka.NET 1.5.74 and Proto.Actor 1.8.0 ({(quick ? "quick" : "full")} sizes: {sizes}, {rounds} rounds) on {Environment.ProcessorCount} cores, .NET {Environment.Version}");

Func<IPeer>[] makers = [() => new TrellisPeer(), () => new AkkaPeer(), () => new ProtoPeer()];
var figures = new Dictionary<string, Dictionary<string, List<double>>>();

// A warm-up round at a tenth of the sizes: every path is compiled and tiered up before it is measured.
await RunRoundAsync(sizes.Tenth(), 0, record: false);
for (var round = 0; round < rounds; round++)
{
    await RunRoundAsync(sizes, round, record: true);
}

(string Key, string What, bool LowerIsBetter, double TargetVsProto)[] rows =
[
    ("crash_p50_us", "crash (throw) until the restarted child answers, p50 us", true, 0.7),
    ("crash_p99_us", "crash (throw) until the restarted child answers, p99 us", true, 1.0),
    ("spawn_us", "spawn, tell the parent, stop, us/actor", true, 1.0),
    ("call_p50_ns", "request/reply round trip, p50 ns", true, 1.0),
    ("call_p99_ns", "request/reply round trip, p99 ns", true, 1.0),
    ("start_child_us", "start a child under a parent, us", true, 1.0),
    ("stop_parent_ms", "stop the parent of those children, ms", true, 1.0),
    ("messages_1_per_s", "one-way messages/s, 1 actor", false, 1.0),
    ("messages_1000_per_s", "one-way messages/s, 1,000 actors", false, 1.0),
];

Console.WriteLine();
Console.WriteLine("| workload | Trellis | Akka.NET | Proto.Actor | Trellis/Akka | Trellis/Proto | target | met |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|:-:|");
var missed = 0;
foreach (var (key, what, lower, target) in rows)
{
    var t = Median("Trellis", key);
    var a = Median("Akka.NET", key);
    var p = Median("Proto.Actor", key);

    // A ratio is always "Trellis's cost over the peer's": for rates it is inverted, so below 1 is better everywhere.
    double Ratio(double peer) => lower ? t / peer : peer / t;
    var met = Ratio(a) <= 1.0 && Ratio(p) <= target;
    missed += met ? 0 : 1;
    Console.WriteLine($"| {what} | {Fmt(t)} | {Fmt(a)} | {Fmt(p)} | {Ratio(a):0.00}x | {Ratio(p):0.00}x | <= 1.0x / <= {target:0.0}x | {(met ? "yes" : "no")} |");
}

Console.WriteLine();
Console.WriteLine($"Ratios are Trellis's cost over the peer's (for rates, the peer's rate over Trellis's): below 1 Trellis is ahead. {missed} target(s) missed.");
return 0;

async Task RunRoundAsync(Sizes s, int round, bool record)
{
    for (var k = 0; k < makers.Length; k++)
    {
        await using var peer = makers[(k + round) % makers.Length]();
        var crash = await peer.CrashRestartAsync(s.Crashes);
        var spawn = await peer.SpawnAsync(s.Spawns);
        var calls = await peer.CallAsync(s.Calls);
        var start = await peer.StartChildrenAsync(s.Children);
        var stop = await peer.StopParentAsync();
        var one = await peer.MessagesAsync(1, s.Messages);
        var many = await peer.MessagesAsync(1000, s.Messages);
        if (!record)
        {
            continue;
        }

        Add(peer.Name, "crash_p50_us", Percentile(crash, 50));
        Add(peer.Name, "crash_p99_us", Percentile(crash, 99));
        Add(peer.Name, "spawn_us", spawn);
        Add(peer.Name, "call_p50_ns", Percentile(calls, 50));
        Add(peer.Name, "call_p99_ns", Percentile(calls, 99));
        Add(peer.Name, "start_child_us", start);
        Add(peer.Name, "stop_parent_ms", stop);
        Add(peer.Name, "messages_1_per_s", one);
        Add(peer.Name, "messages_1000_per_s", many);
        Console.WriteLine($"round {round + 1}, {peer.Name}: crash p50 {Percentile(crash, 50):0.0} us, call p50 {Percentile(calls, 50):0} ns, spawn {spawn:0.00} us, start_child {start:0.00} us, stop {stop:0.0} ms, 1 actor {one:N0}/s, 1,000 actors {many:N0}/s");
    }
}

void Add(string peer, string key, double value)
{
    if (!figures.TryGetValue(peer, out var byKey))
    {
        figures[peer] = byKey = [];
    }

    if (!byKey.TryGetValue(key, out var list))
    {
        byKey[key] = list = [];
    }

    list.Add(value);
}

double Median(string peer, string key)
{
    var sorted = figures[peer][key].Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

static double Percentile(double[] values, int p)
{
    var sorted = values.Order().ToArray();
    return sorted[Math.Min(sorted.Length - 1, sorted.Length * p / 100)];
}

static string Fmt(double v) => v >= 100 ? v.ToString("N0", CultureInfo.InvariantCulture) : v.ToString("0.00", CultureInfo.InvariantCulture);

internal sealed record Sizes(int Crashes, int Spawns, int Calls, int Children, int Messages)
{
    public Sizes Tenth() => new(Math.Max(100, Crashes / 10), Spawns / 10, Calls / 10, Children / 10, Messages / 10);
}
