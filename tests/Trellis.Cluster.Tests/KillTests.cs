using System.Diagnostics;

namespace Trellis.Cluster.Tests;

/// <summary>Members in their own processes, killed and frozen with signals (each test stops by pid all it started).</summary>
[Collection("etcd")]
public sealed class KillTests(SharedEtcd etcd)
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(3);

    /// <summary>Three member processes, the last owning supervisor "s" with three children, one on each; stopped by pid at the end.</summary>
    private sealed class Run(List<MemberProcess> members, Sink sink, Dictionary<string, Line> started) : IAsyncDisposable
    {
        public List<MemberProcess> Members { get; } = members;

        public Sink Sink { get; } = sink;

        public Dictionary<string, Line> Started { get; } = started;

        public async ValueTask DisposeAsync()
        {
            foreach (var m in Members)
            {
                await m.DisposeAsync();
            }
        }
    }

    private static async Task<Run> StartAsync(string endpoint)
    {
        var cluster = "k" + Guid.NewGuid().ToString("N")[..8];
        var sink = new Sink();
        var members = new List<MemberProcess>();
        try
        {
            // The hosts first, so the owner places its children over all three.
            members.Add(await MemberProcess.StartAsync($"h1{cluster}@127.0.0.1", endpoint, cluster, sink));
            members.Add(await MemberProcess.StartAsync($"h2{cluster}@127.0.0.1", endpoint, cluster, sink));
            members.Add(await MemberProcess.StartAsync($"o{cluster}@127.0.0.1", endpoint, cluster, sink, own: 3));
        }
        catch
        {
            foreach (var m in members)
            {
                await m.DisposeAsync();
            }

            throw;
        }

        var run = new Run(members, sink, []);
        try
        {
            foreach (var child in new[] { "w0", "w1", "w2" })
            {
                run.Started[child] = await sink.WaitForAsync<Line>(l => l.What == "started" && l.Child == child);
            }

            Assert.Equal(3, run.Started.Values.Select(l => l.Node).Distinct().Count());
            return run;
        }
        catch
        {
            await run.DisposeAsync();
            throw;
        }
    }

    [Fact]
    public async Task SigkillOfAChildsNode_RestartsItElsewhere_WithinTheTtlAndASecond()
    {
        await using var run = await StartAsync(etcd.Server.Endpoint);
        var (members, sink, started) = (run.Members, run.Sink, run.Started);
        var host = members[0];
        var child = started.Values.Single(l => l.Process == host.Name).Child;
        var killed = Stopwatch.GetTimestamp();
        host.Signal("KILL");
        await host.WaitForExitAsync();
        var moved = await sink.WaitForAsync<Line>(l => l.What == "started" && l.Child == child && l.Process != host.Name);
        Assert.True(Stopwatch.GetElapsedTime(killed, moved.Time) < Ttl + TimeSpan.FromSeconds(1.5), $"moved after {Stopwatch.GetElapsedTime(killed, moved.Time)}");
        Assert.NotEqual(host.Name, moved.Process);
    }

    [Fact]
    public async Task SigkillOfTheOwnersNode_StopsEveryChild_NoOrphans()
    {
        await using var run = await StartAsync(etcd.Server.Endpoint);
        var (members, sink, started) = (run.Members, run.Sink, run.Started);
        var owner = members[2];
        var killed = Stopwatch.GetTimestamp();
        owner.Signal("KILL");
        await owner.WaitForExitAsync();
        foreach (var line in started.Values.Where(l => l.Process != owner.Name))
        {
            var stopped = await sink.WaitForAsync<Line>(l => l.What == "stopped" && l.Child == line.Child && l.Process == line.Process);
            Assert.True(Stopwatch.GetElapsedTime(killed, stopped.Time) < Ttl + TimeSpan.FromSeconds(1.5), $"stopped after {Stopwatch.GetElapsedTime(killed, stopped.Time)}");
        }
    }

    [Fact]
    public async Task SigstopOfAHostPastItsTtl_ItFencesItself_AndNoTwoCopiesEverActedAtOnce()
    {
        await using var run = await StartAsync(etcd.Server.Endpoint);
        var (members, sink, started) = (run.Members, run.Sink, run.Started);
        var host = members[0];
        var child = started.Values.Single(l => l.Process == host.Name).Child;
        await sink.WaitForAsync<Line>(l => l.What == "tick" && l.Child == child && l.Process == host.Name);
        host.Signal("STOP");
        var replacement = await sink.WaitForAsync<Line>(l => l.What == "started" && l.Child == child && l.Process != host.Name);
        host.Signal("CONT");
        await sink.WaitForAsync<Line>(l => l.What == "fenced" && l.Process == host.Name);
        await sink.WaitForAsync<Line>(l => l.What == "stopped" && l.Child == child && l.Process == host.Name);
        await sink.WaitForAsync<Line>(l => l.What == "rejoined" && l.Process == host.Name);
        // Every tick of the frozen copy came before the replacement started: the old copy never acted after it.
        var oldTicks = AllLines(sink).Where(l => l.What == "tick" && l.Child == child && l.Process == host.Name).ToList();
        Assert.NotEmpty(oldTicks);
        Assert.All(oldTicks, t => Assert.True(t.Time < replacement.Time, "a tick of the fenced copy after its replacement started"));
    }

    private static List<Line> AllLines(Sink sink) => sink.Snapshot().OfType<Line>().ToList();
}
