using System.Diagnostics;

namespace Trellis.Bench;

/// <summary>The Trellis side of each workload, mirroring bench/erlang/trellis_bench.erl.</summary>
internal static class TrellisWorkloads
{
    private static readonly object Done = new();

    /// <summary>Runs of the dynamic workload; each figure is their median (the Erlang side runs it as often).</summary>
    private const int DynamicRuns = 5;

    public static async Task<Dictionary<string, double>> RunAsync(Sizes sizes)
    {
        var results = new Dictionary<string, double>();
        await using var node = new Node();
        results["spawn_exit_us"] = await SpawnExitAsync(node, sizes.Spawns);
        results["idle_bytes"] = await IdleMemoryAsync(node, sizes.Children);
        var dynamic = new Results();
        for (var i = 0; i < DynamicRuns; i++)
        {
            var run = new Dictionary<string, double>();
            await DynamicAsync(node, sizes.Children, run);
            foreach (var (name, value) in run)
            {
                dynamic.Add(name, value);
            }
        }

        foreach (var (name, value) in dynamic.Medians())
        {
            results[name] = value;
        }

        await RestartAsync(node, sizes.Crashes, results);
        await GroupRestartAsync(node, Strategy.OneForAll, 100, sizes.GroupRounds, results);
        await GroupRestartAsync(node, Strategy.RestForOne, 100, sizes.GroupRounds, results);
        await CallAsync(node, sizes.Calls, results);
        results["casts_1_per_s"] = await CastsAsync(node, 1, sizes.Casts);
        results["casts_1000_per_s"] = await CastsAsync(node, 1000, sizes.Casts);
        return results;
    }

    private static double Micros(long from, long to) => (to - from) * 1_000_000.0 / Stopwatch.Frequency;

    private static async Task<double> SpawnExitAsync(Node node, int n)
    {
        var result = new TaskCompletionSource<double>();
        node.Spawn(async ctx =>
        {
            var parent = ctx.Self;
            Func<ProcessContext, ValueTask> body = _ =>
            {
                parent.Send(Done);
                return ValueTask.CompletedTask;
            };
            var t0 = Stopwatch.GetTimestamp();
            for (var i = 0; i < n; i++)
            {
                ctx.Spawn(body);
            }

            for (var i = 0; i < n; i++)
            {
                await ctx.ReceiveAsync();
            }

            result.SetResult(Micros(t0, Stopwatch.GetTimestamp()) / n);
        });
        return await result.Task;
    }

    private static async Task<double> IdleMemoryAsync(Node node, int n)
    {
        var before = new TaskCompletionSource<long>();
        var after = new TaskCompletionSource<long>();
        var release = new TaskCompletionSource();
        var holder = node.Spawn(async ctx =>
        {
            before.SetResult(Heap());
            for (var i = 0; i < n; i++)
            {
                await GenServer.StartLinkAsync(ctx, static () => new BenchServer());
            }

            after.SetResult(Heap());
            await release.Task;
            throw new ExitException(ExitReason.Kill);
        });
        var bytes = (await after.Task - await before.Task) / (double)n;
        release.SetResult();
        await Node.WaitForExitAsync(holder);
        return Math.Round(bytes);
    }

    private static long Heap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static async Task DynamicAsync(Node node, int n, Dictionary<string, double> results)
    {
        var sup = (await DynamicSupervisor.StartAsync(node, new DynamicSupervisorOptions())).Pid;
        var m0 = Heap();
        var t0 = Stopwatch.GetTimestamp();
        for (var i = 0; i < n; i++)
        {
            var r = await DynamicSupervisor.StartChildAsync(sup, BenchServer.Spec);
            if (!r.IsOk)
            {
                throw new InvalidOperationException("start_child failed: " + r);
            }
        }

        var t1 = Stopwatch.GetTimestamp();
        results["dyn_start_us"] = Micros(t0, t1) / n;
        results["dyn_bytes"] = Math.Round((Heap() - m0) / (double)n);
        // The median of 101 calls, as the Erlang side: one call right after a forced collection measures a thread waking.
        var counts = new double[101];
        for (var i = 0; i < counts.Length; i++)
        {
            var t2 = Stopwatch.GetTimestamp();
            await DynamicSupervisor.CountChildrenAsync(sup);
            counts[i] = Micros(t2, Stopwatch.GetTimestamp());
        }

        Array.Sort(counts);
        results["dyn_count_us"] = Math.Round(counts[50], 2);
        var t3 = Stopwatch.GetTimestamp();
        var which = await DynamicSupervisor.WhichChildrenAsync(sup);
        results["dyn_which_ms"] = Micros(t3, Stopwatch.GetTimestamp()) / 1000;
        if (which.Count != n)
        {
            throw new InvalidOperationException($"which_children gave {which.Count}, expected {n}");
        }

        var t4 = Stopwatch.GetTimestamp();
        await DynamicSupervisor.StopAsync(sup, ExitReason.Shutdown);
        results["dyn_stop_ms"] = Micros(t4, Stopwatch.GetTimestamp()) / 1000;
    }

    private static readonly SupervisorFlags Loose = new() { Intensity = 1_000_000, Period = TimeSpan.FromSeconds(1) };

    private static async Task RestartAsync(Node node, int n, Dictionary<string, double> results)
    {
        var spec = ChildSpec.ForServer("w", static () => new BenchServer(), name: "bench_worker");
        var sup = (await Supervisor.StartAsync(node, [spec], Loose)).Pid;
        var latencies = new double[n];
        for (var i = 0; i < n; i++)
        {
            latencies[i] = await OneRestartAsync(node, "bench_worker", "bench_worker");
        }

        Report("restart", latencies, results);
        await Supervisor.StopAsync(sup, ExitReason.Shutdown);
    }

    private static async Task<double> OneRestartAsync(Node node, string victim, string watched)
    {
        var old = node.WhereIs(watched);
        var t0 = Stopwatch.GetTimestamp();
        Node.Exit(node.WhereIs(victim), ExitReason.Kill);
        Pid fresh;
        while ((fresh = node.WhereIs(watched)).IsNone || fresh == old)
        {
            Thread.SpinWait(1);
        }

        await GenServer.CallAsync(fresh, "ping");
        return Micros(t0, Stopwatch.GetTimestamp());
    }

    private static async Task GroupRestartAsync(Node node, Strategy strategy, int size, int rounds, Dictionary<string, double> results)
    {
        var prefix = strategy == Strategy.OneForAll ? "one_for_all" : "rest_for_one";
        var specs = Enumerable.Range(1, size).Select(i => ChildSpec.ForServer(prefix + i, static () => new BenchServer(), name: prefix + i));
        var sup = (await Supervisor.StartAsync(node, specs, Loose with { Strategy = strategy })).Pid;
        var latencies = new double[rounds];
        for (var i = 0; i < rounds; i++)
        {
            latencies[i] = await OneRestartAsync(node, prefix + 1, prefix + size);
        }

        Report(prefix, latencies, results);
        await Supervisor.StopAsync(sup, ExitReason.Shutdown);
    }

    private static async Task CallAsync(Node node, int n, Dictionary<string, double> results)
    {
        var server = (await GenServer.StartAsync(node, static () => new BenchServer())).Pid;
        for (var i = 0; i < 1000; i++)
        {
            await GenServer.CallAsync(server, "ping");
        }

        var latencies = new double[n];
        for (var i = 0; i < n; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            await GenServer.CallAsync(server, "ping");
            latencies[i] = Micros(t0, Stopwatch.GetTimestamp()) * 1000;
        }

        Array.Sort(latencies);
        results["call_p50_ns"] = Math.Round(latencies[n / 2]);
        results["call_p99_ns"] = Math.Round(latencies[n * 99 / 100]);
        Node.Exit(server, ExitReason.Kill);
    }

    private static async Task<double> CastsAsync(Node node, int servers, int n)
    {
        var pids = new Pid[servers];
        for (var i = 0; i < servers; i++)
        {
            pids[i] = (await GenServer.StartAsync(node, static () => new BenchServer())).Pid;
        }

        var message = new object();
        var t0 = Stopwatch.GetTimestamp();
        for (var i = n; i > 0; i--)
        {
            GenServer.Cast(pids[i % servers], message);
        }

        foreach (var pid in pids)
        {
            await GenServer.CallAsync(pid, "count", Timeout.InfiniteTimeSpan);
        }

        var seconds = Micros(t0, Stopwatch.GetTimestamp()) / 1_000_000;
        foreach (var pid in pids)
        {
            Node.Exit(pid, ExitReason.Kill);
        }

        return Math.Round(n / seconds);
    }

    private static void Report(string name, double[] latencies, Dictionary<string, double> results)
    {
        Array.Sort(latencies);
        results[name + "_p50_us"] = Math.Round(latencies[latencies.Length / 2]);
        results[name + "_p99_us"] = Math.Round(latencies[latencies.Length * 99 / 100]);
    }
}
