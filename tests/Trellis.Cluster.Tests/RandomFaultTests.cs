using System.Diagnostics;

namespace Trellis.Cluster.Tests;

/// <summary>
/// A randomized fault schedule on real processes in network namespaces: SIGKILL of a host (a new one takes its
/// place), SIGSTOP past its lease and SIGCONT, a partition and its heal, for a bounded time, while every copy of every
/// cluster child ticks with the machine's monotonic clock. The checker reads every tick: no two copies of one child
/// ever overlapped, and after the last heal every child runs again, once.
/// </summary>
public sealed class RandomFaultTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Schedule = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task No_two_copies_overlap_under_random_kills_freezes_and_partitions_and_every_child_runs_again()
    {
        Assert.True(Environment.IsPrivilegedProcess, "network namespaces need root");
        await using var net = await Netns.CreateAsync(3);
        await using var etcd = await EtcdServer.StartAsync(net.BridgeAddress);
        var cluster = "r" + Guid.NewGuid().ToString("N")[..8];
        var sink = new Sink();
        var hosts = new MemberProcess?[3];
        var all = new List<MemberProcess>();
        var incarnation = 0;
        async Task StartHostAsync(int i)
        {
            var m = await MemberProcess.StartAsync($"h{i}x{++incarnation}@{net.Address(i)}", etcd.Endpoint, cluster, sink, prefix: ["ip", "netns", "exec", net.Namespace(i)]);
            hosts[i] = m;
            all.Add(m);
        }

        try
        {
            for (var i = 0; i < 3; i++)
            {
                await StartHostAsync(i);
            }

            // The owner stays out of the faults, in the root namespace on the bridge's address.
            all.Add(await MemberProcess.StartAsync($"o@{net.BridgeAddress}", etcd.Endpoint, cluster, sink, own: 3));
            foreach (var child in new[] { "w0", "w1", "w2" })
            {
                await sink.WaitForAsync<Line>(l => l.What == "tick" && l.Child == child);
            }

            // The delays below are the schedule itself (how long a fault lasts: past the lease, which a frozen or already
            // fenced host cannot report; and the random gap to the next fault), not waits for an outcome: every wait for
            // an outcome is on the sink's lines, with a deadline.
            var random = new Random(Environment.TickCount);
            var log = new List<string>();
            var run = Stopwatch.StartNew();
            while (run.Elapsed < Schedule)
            {
                var i = random.Next(3);
                var victim = hosts[i]!;
                switch (random.Next(3))
                {
                    case 0:
                        log.Add($"kill {victim.Name}");
                        victim.Signal("KILL");
                        await victim.WaitForExitAsync();
                        await StartHostAsync(i);
                        break;
                    case 1:
                        log.Add($"stop {victim.Name}");
                        victim.Signal("STOP");
                        await Task.Delay(Ttl + TimeSpan.FromMilliseconds(random.Next(1000)));
                        victim.Signal("CONT");
                        break;
                    default:
                        // Held past the lease: a host already fenced (by an earlier freeze) and not yet back says nothing new,
                        // so the hold is the schedule's, not an event's.
                        log.Add($"partition {victim.Name}");
                        net.SetLink(i, up: false);
                        await Task.Delay(Ttl + TimeSpan.FromMilliseconds(random.Next(1500)));
                        net.SetLink(i, up: true);
                        break;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200 + random.Next(800)));
            }

            // Healed: within a bound, each child ticks on exactly one copy.
            using var recovery = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var (duplicates, ticking) = Check(sink, Stopwatch.GetTimestamp());
            while (ticking.Values.Any(n => n != 1) && !recovery.IsCancellationRequested)
            {
                try
                {
                    await sink.WaitForAsync<Line>(l => l.What == "tick" && l.Time > Stopwatch.GetTimestamp() - Stopwatch.Frequency / 10, TimeSpan.FromSeconds(2));
                }
                catch (TimeoutException)
                {
                }

                (duplicates, ticking) = Check(sink, Stopwatch.GetTimestamp());
            }

            var schedule = string.Join("; ", log);
            Assert.True(duplicates.Count == 0, $"overlapping copies: {string.Join(", ", duplicates)} (schedule: {schedule})");
            Assert.True(ticking.Values.All(n => n == 1), $"copies ticking at the end: {string.Join(", ", ticking.Select(t => $"{t.Key}={t.Value}"))} (schedule: {schedule})");
        }
        finally
        {
            for (var i = 0; i < 3; i++)
            {
                net.SetLink(i, up: true);
            }

            foreach (var m in all)
            {
                await m.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Each copy's span runs from its first tick to its last (a copy: a process's ticks of a child from one "started"
    /// to the next); two spans of one child that overlap are a duplicate. Also how many copies of each child ticked in
    /// the second before <paramref name="now"/>.
    /// </summary>
    private static (List<string> Duplicates, Dictionary<string, int> Ticking) Check(Sink sink, long now)
    {
        var spans = new List<(string Child, string Copy, long First, long Last)>();
        foreach (var group in sink.Snapshot().OfType<Line>().Where(l => l.What is "started" or "tick").GroupBy(l => (l.Child, l.Process)))
        {
            var copy = 0;
            long? first = null, last = null;
            foreach (var line in group.OrderBy(l => l.Time))
            {
                if (line.What == "started")
                {
                    if (first is not null)
                    {
                        spans.Add((group.Key.Child, $"{group.Key.Process}#{copy}", first.Value, last!.Value));
                    }

                    (copy, first, last) = (copy + 1, null, null);
                    continue;
                }

                first ??= line.Time;
                last = line.Time;
            }

            if (first is not null)
            {
                spans.Add((group.Key.Child, $"{group.Key.Process}#{copy}", first.Value, last!.Value));
            }
        }

        var duplicates = new List<string>();
        var ticking = new Dictionary<string, int>();
        foreach (var child in spans.GroupBy(s => s.Child))
        {
            var ordered = child.OrderBy(s => s.First).ToList();
            for (var i = 1; i < ordered.Count; i++)
            {
                var earlier = ordered.Take(i).MaxBy(s => s.Last);
                if (ordered[i].First <= earlier.Last)
                {
                    duplicates.Add($"{child.Key}: {earlier.Copy} and {ordered[i].Copy}");
                }
            }

            ticking[child.Key] = ordered.Count(s => s.Last >= now - Stopwatch.Frequency);
        }

        return (duplicates, ticking);
    }
}
