using System.Diagnostics;
using System.Globalization;
using Trellis.Bench.Peers;

// Trellis beside Akka.NET and Proto.Actor: the same workloads, in one process, in one run; each figure is the median
// of the rounds, and the peers take turns within a round. Usage: bench/peers.sh [--quick] [--rounds N] [--warmup S] [--only W,...]
string[] workloads = ["crash", "spawn", "call", "start_child", "messages"];
var quick = args.Contains("--quick");
var rounds = 5;
var warmup = 5.0;
var only = workloads.ToHashSet();
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--rounds" && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var r) && r > 0)
    {
        rounds = r;
        i++;
    }
    else if (args[i] == "--only" && i + 1 < args.Length && args[i + 1].Split(',') is var picked && picked.All(workloads.Contains))
    {
        only = picked.ToHashSet();
        i++;
    }
    else if (args[i] == "--warmup" && i + 1 < args.Length && double.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var w) && w >= 0)
    {
        warmup = w;
        i++;
    }
    else if (args[i] != "--quick")
    {
        Console.Error.WriteLine($"unknown argument '{args[i]}'. Usage: Trellis.Bench.Peers [--quick] [--rounds N] [--warmup SECONDS] [--only {string.Join(",", workloads)}]");
        return 2;
    }
}

var sizes = quick ? new Sizes(1_000, 20_000, 20_000, 5_000, 200_000) : new Sizes(10_000, 100_000, 100_000, 20_000, 2_000_000);
Console.WriteLine($"Trellis, Akka.NET 1.5.74 and Proto.Actor 1.8.0 ({(quick ? "quick" : "full")} sizes: {sizes}, {rounds} rounds) on {Environment.ProcessorCount} cores, .NET {Environment.Version}");

Func<IPeer>[] makers = [() => new TrellisPeer(), () => new AkkaPeer(), () => new ProtoPeer()];
var figures = new Dictionary<string, Dictionary<string, List<double>>>();

// Warm-up rounds at a tenth of the sizes, for at least `warmup` seconds: the runtime tiers a method up only after
// 100 ms without new tier-0 code, then again after profiling it, so one short round left the first measured rounds
// running tier-0 code (a crash took twice as long in rounds 1 to 4 as in round 5, for every peer).
var warmupStarted = Stopwatch.GetTimestamp();
var warmupRounds = 0;
do
{
    await RunRoundAsync(sizes.Tenth(), warmupRounds++, record: false);
}
while (Stopwatch.GetElapsedTime(warmupStarted).TotalSeconds < warmup);

Console.WriteLine($"warm-up: {warmupRounds} round(s) at a tenth of the sizes, {Stopwatch.GetElapsedTime(warmupStarted).TotalSeconds:0.0} s");
for (var round = 0; round < rounds; round++)
{
    await RunRoundAsync(sizes, round, record: true);
    if (only.Contains("crash"))
    {
        Add("floor", "throw_p50_us", ThrowFloor.Measure(sizes.Crashes));
    }
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
    if (!figures["Trellis"].ContainsKey(key))
    {
        continue;
    }

    var t = Median("Trellis", key);
    var a = Median("Akka.NET", key);
    var p = Median("Proto.Actor", key);

    // A ratio is always "Trellis's cost over the peer's": for rates it is inverted, so below 1 is better everywhere.
    double Ratio(double peer) => lower ? t / peer : peer / t;
    var met = Ratio(a) <= 1.0 && Ratio(p) <= target;
    missed += met ? 0 : 1;
    Console.WriteLine($"| {what} | {Fmt(t)} | {Fmt(a)} | {Fmt(p)} | {Ratio(a):0.00}x | {Ratio(p):0.00}x | <= 1.0x / <= {target:0.0}x | {(met ? "yes" : "no")} |");
}

if (only.Contains("crash"))
{
    Console.WriteLine();
    Console.WriteLine($"Every crash pays for one exception: in this run a bare throw caught one frame up took {Fmt(Median("floor", "throw_p50_us"))} us (p50, no actors).");
}

Console.WriteLine();
Console.WriteLine($"Ratios are Trellis's cost over the peer's (for rates, the peer's rate over Trellis's): below 1 Trellis is ahead. {missed} target(s) missed.");
return 0;

async Task RunRoundAsync(Sizes s, int round, bool record)
{
    for (var k = 0; k < makers.Length; k++)
    {
        await using var peer = makers[(k + round) % makers.Length]();
        var line = new List<string>();
        if (only.Contains("crash"))
        {
            var crash = await peer.CrashRestartAsync(s.Crashes);
            Record("crash_p50_us", Percentile(crash, 50), "crash p50 {0:0.0} us");
            Record("crash_p99_us", Percentile(crash, 99), null);
        }

        if (only.Contains("spawn"))
        {
            Record("spawn_us", await peer.SpawnAsync(s.Spawns), "spawn {0:0.00} us");
        }

        if (only.Contains("call"))
        {
            var calls = await peer.CallAsync(s.Calls);
            Record("call_p50_ns", Percentile(calls, 50), "call p50 {0:0} ns");
            Record("call_p99_ns", Percentile(calls, 99), null);
        }

        if (only.Contains("start_child"))
        {
            Record("start_child_us", await peer.StartChildrenAsync(s.Children), "start_child {0:0.00} us");
            Record("stop_parent_ms", await peer.StopParentAsync(), "stop {0:0.0} ms");
        }

        if (only.Contains("messages"))
        {
            Record("messages_1_per_s", await peer.MessagesAsync(1, s.Messages), "1 actor {0:N0}/s");
            Record("messages_1000_per_s", await peer.MessagesAsync(1000, s.Messages), "1,000 actors {0:N0}/s");
        }

        if (record)
        {
            Console.WriteLine($"round {round + 1}, {peer.Name}: {string.Join(", ", line)}");
        }

        void Record(string key, double value, string? shown)
        {
            if (!record)
            {
                return;
            }

            Add(peer.Name, key, value);
            if (shown is not null)
            {
                line.Add(string.Format(CultureInfo.InvariantCulture, shown, value));
            }
        }
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
