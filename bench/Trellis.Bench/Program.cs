using System.Globalization;
using Trellis.Bench;

// Usage: dotnet run -c Release --project bench/Trellis.Bench [-- --quick] [-- --no-erlang]
string[] known = ["--quick", "--no-erlang"];
if (args.FirstOrDefault(a => !known.Contains(a)) is { } unknown)
{
    Console.Error.WriteLine($"unknown argument '{unknown}'. Usage: Trellis.Bench [--quick] [--no-erlang]");
    return 2;
}

var quick = args.Contains("--quick");
var sizes = quick ? Sizes.Quick : Sizes.Full;
Console.WriteLine($"Trellis core benchmark ({(quick ? "quick" : "full")} sizes: {sizes}) on {Environment.ProcessorCount} cores, .NET {Environment.Version}");

var erlang = args.Contains("--no-erlang") ? null : await ErlangWorkloads.RunAsync(sizes, Console.Out);
// Warm-up: the JIT compiles and tiers up every path once, as Erlang's code is loaded before its run.
await TrellisWorkloads.RunAsync(new Sizes(20_000, 5_000, 300, 5_000));
var trellis = await TrellisWorkloads.RunAsync(sizes);

// name, what, lower is better?, target ratio (Trellis / Erlang)
(string Key, string What, bool LowerIsBetter, double Target)[] rows =
[
    ("spawn_exit_us", "spawn and normal exit, us/process", true, 0.5),
    ("idle_bytes", "memory per idle GenServer, bytes", true, 1.0),
    ("dyn_start_us", "dynamic start_child of a GenServer, us", true, 0.7),
    ("dyn_bytes", "memory per dynamic child, bytes", true, 1.0),
    ("dyn_count_us", "count_children at N children, us", true, double.NaN),
    ("dyn_which_ms", "which_children at N children, ms", true, 1.0),
    ("dyn_stop_ms", "stopping that supervisor, ms", true, 0.5),
    ("restart_p50_us", "restart until the new child answers, p50 us", true, 0.5),
    ("restart_p99_us", "restart until the new child answers, p99 us", true, 1.0),
    ("one_for_all_p50_us", "one_for_all over 100 children, p50 us", true, 0.5),
    ("rest_for_one_p50_us", "rest_for_one over 100 children, p50 us", true, 0.5),
    ("call_p50_ns", "call round trip, p50 ns", true, 1.0),
    ("call_p99_ns", "call round trip, p99 ns", true, double.NaN),
    ("casts_1_per_s", "casts/s, 1 server", false, 1.0),
    ("casts_1000_per_s", "casts/s, 1,000 servers", false, 1.0),
];

Console.WriteLine();
Console.WriteLine("| workload | Trellis | Erlang/OTP | ratio | target | met |");
Console.WriteLine("|---|---:|---:|---:|---:|:-:|");
var failed = 0;
foreach (var (key, what, lower, target) in rows)
{
    var t = trellis.GetValueOrDefault(key, double.NaN);
    var e = erlang?.GetValueOrDefault(key, double.NaN) ?? double.NaN;
    var ratio = t / e;
    var hasTarget = !double.IsNaN(target) && !double.IsNaN(ratio);
    var met = !hasTarget ? "" : (lower ? ratio <= target : ratio >= target) ? "yes" : "no";
    if (met == "no")
    {
        failed++;
    }

    var targetText = double.IsNaN(target) ? "" : (lower ? "<= " : ">= ") + target.ToString("0.0", CultureInfo.InvariantCulture) + "x";
    Console.WriteLine($"| {what} | {Fmt(t)} | {Fmt(e)} | {(double.IsNaN(ratio) ? "" : ratio.ToString("0.00", CultureInfo.InvariantCulture) + "x")} | {targetText} | {met} |");
}

// count_children is O(1): it must answer within twice a call's round trip.
var countVsCall = trellis["dyn_count_us"] * 1000 / trellis["call_p50_ns"];
var countMet = countVsCall <= 2.0;
failed += countMet ? 0 : 1;
Console.WriteLine($"| count_children at N children over a call round trip (Trellis) | {countVsCall:0.00}x | | | <= 2.0x | {(countMet ? "yes" : "no")} |");

Console.WriteLine();
Console.WriteLine(erlang is null ? "Erlang was not run: ratios are missing." : $"{failed} target(s) missed.");
return 0;

static string Fmt(double v) => double.IsNaN(v) ? "-" : v >= 100 ? v.ToString("N0", CultureInfo.InvariantCulture) : v.ToString("0.00", CultureInfo.InvariantCulture);
