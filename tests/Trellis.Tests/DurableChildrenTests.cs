using Trellis.Tests.Fakes;

namespace Trellis.Tests;

/// <summary>Durable dynamic children (seed 001, 3.3): recorded, forgotten, and brought back.</summary>
public sealed class DurableChildrenTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("trellis-durable-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ChildSpec Numbered(int n, RestartType restart = RestartType.Permanent) => new()
    {
        Id = "n",
        Arguments = [n, "label " + n],
        Restart = restart,
        Start = (sup, args) => Agent.StartLinkAsync(sup, () => args[0]),
    };

    private static async Task<int[]> Numbers(Pid sup)
    {
        var children = await DynamicSupervisor.WhichChildrenAsync(sup);
        var numbers = new List<int>();
        foreach (var child in children)
        {
            numbers.Add(await Agent.GetAsync<int, int>(child.Pid, n => n));
        }

        return [.. numbers.Order()];
    }

    private static async Task<Pid> RestartUnder(Pid parent, object id)
    {
        var before = await Probe.ChildPid(parent, id);
        await Probe.KillAndSync(parent, before);
        var after = await Probe.ChildPid(parent, id);
        Assert.NotEqual(before, after);
        return after;
    }

    [Fact]
    public async Task DynamicSupervisor_InMemory_ChildrenComeBackAfterARestart_TemporaryAndTerminatedOnesDoNot()
    {
        await using var probe = new Probe();
        var store = new MemoryChildStore();
        var parent = await probe.StartSupervisorAsync(new SupervisorFlags { Intensity = 5 },
            ChildSpec.ForDynamicSupervisor("dyn", new DynamicSupervisorOptions { Durable = new DurableChildren { Store = store } }));
        var dyn = await Probe.ChildPid(parent, "dyn");
        var pids = new List<Pid>();
        for (var n = 1; n <= 5; n++)
        {
            pids.Add((await DynamicSupervisor.StartChildAsync(dyn, Numbered(n, n == 5 ? RestartType.Temporary : n == 4 ? RestartType.Transient : RestartType.Permanent))).Pid);
        }

        Assert.Equal(4, store.Count);
        Assert.True((await DynamicSupervisor.TerminateChildAsync(dyn, pids[1])).IsOk);
        await Agent.StopAsync(pids[3], ExitReason.Normal);
        await DynamicSupervisor.CountChildrenAsync(dyn);
        Assert.Equal(2, store.Count);

        dyn = await RestartUnder(parent, "dyn");
        Assert.Equal("1,3", string.Join(",", await Numbers(dyn)));
        // A crashed child restarted in place keeps its record; a second restart of the supervisor brings it back again.
        await Probe.KillAndSync(dyn, (await DynamicSupervisor.WhichChildrenAsync(dyn))[0].Pid);
        dyn = await RestartUnder(parent, "dyn");
        Assert.Equal("1,3", string.Join(",", await Numbers(dyn)));
        Assert.Equal(2, store.Count);
    }

    [Fact]
    public async Task SimpleOneForOne_RecordsTheExtraArguments()
    {
        await using var probe = new Probe();
        var store = new MemoryChildStore();
        var template = new ChildSpec { Id = "agent", Start = (sup, args) => Agent.StartLinkAsync(sup, () => args[0]) };
        var parent = await probe.StartSupervisorAsync(new SupervisorFlags { Intensity = 5 },
            ChildSpec.ForSupervisor("pool", new SupervisorFlags { Strategy = Strategy.SimpleOneForOne, Durable = new DurableChildren { Store = store } }, [template]));
        var pool = await Probe.ChildPid(parent, "pool");
        foreach (var n in new[] { 7, 8, 9 })
        {
            Assert.True((await Supervisor.StartChildAsync(pool, [n])).IsOk);
        }

        pool = await RestartUnder(parent, "pool");
        Assert.Equal("7,8,9", string.Join(",", await Numbers(pool)));
        var bad = await Supervisor.StartAsync(probe.Node, [template], new SupervisorFlags { Durable = new DurableChildren { Store = store } });
        Assert.Contains("durable children need strategy simple_one_for_one", bad.Error!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnDisk_ChildrenComeBackInANewNode_InTheOrderTheyStarted()
    {
        var path = Path.Combine(_dir, "children.log");
        var rebuild = new DurableChildren { Store = null!, Rebuild = s => Numbered((int)s.Arguments[0]!) };
        await using (var probe = new Probe())
        {
            using var store = new FileChildStore(path);
            var sup = (await DynamicSupervisor.StartAsync(probe.Node, new DynamicSupervisorOptions { Durable = rebuild with { Store = store } })).Pid;
            for (var n = 0; n < 50; n++)
            {
                Assert.True((await DynamicSupervisor.StartChildAsync(sup, Numbered(n))).IsOk);
            }

            for (var n = 0; n < 50; n += 2)
            {
                var child = (await DynamicSupervisor.WhichChildrenAsync(sup)).First(c => Agent.GetAsync<int, int>(c.Pid, v => v).AsTask().Result == n);
                Assert.True((await DynamicSupervisor.TerminateChildAsync(sup, child.Pid)).IsOk);
            }
        }

        await using (var probe = new Probe())
        {
            using var store = new FileChildStore(path);
            var loaded = store.Load();
            Assert.Equal(Enumerable.Range(0, 25).Select(i => 2 * i + 1), loaded.Select(c => (int)c.Arguments[0]!));
            Assert.Equal("label 3", loaded[1].Arguments[1]);
            Assert.Equal("n", loaded[0].Id);
            // Without Rebuild the supervisor refuses to start, and forgets nothing.
            var refused = await DynamicSupervisor.StartAsync(probe.Node, new DynamicSupervisorOptions { Durable = new DurableChildren { Store = store } });
            Assert.Contains("DurableChildren.Rebuild is not set", refused.Error!.ToString(), StringComparison.Ordinal);
            Assert.Equal(25, store.Load().Count);
            var sup = (await DynamicSupervisor.StartAsync(probe.Node, new DynamicSupervisorOptions { Durable = rebuild with { Store = store } })).Pid;
            Assert.Equal(Enumerable.Range(0, 25).Select(i => 2 * i + 1), await Numbers(sup));
        }
    }

    [Fact]
    public async Task OnDisk_ATornTail_IsCutOff_AndEveryAcknowledgedChildSurvives()
    {
        var path = Path.Combine(_dir, "torn.log");
        using (var store = new FileChildStore(path))
        {
            for (var n = 0; n < 10; n++)
            {
                store.Add("n", [n], null);
            }
        }

        var good = new FileInfo(path).Length;
        // A write cut short: a header that promises more bytes than follow, then a record whose CRC is wrong.
        await File.AppendAllBytesAsync(path, [0x40, 0, 0, 0, 1, 2, 3, 4, (byte)'{', (byte)'"']);
        using (var store = new FileChildStore(path))
        {
            Assert.Equal(Enumerable.Range(0, 10), store.Load().Select(c => (int)c.Arguments[0]!));
            Assert.Equal(10, store.TruncatedBytes);
            Assert.Equal(11, store.Add("n", [10], null));
        }

        var bytes = await File.ReadAllBytesAsync(path);
        bytes[^3] ^= 0xFF;
        await File.WriteAllBytesAsync(path, bytes);
        using (var store = new FileChildStore(path))
        {
            Assert.Equal(Enumerable.Range(0, 10), store.Load().Select(c => (int)c.Arguments[0]!));
            Assert.True(store.TruncatedBytes > 0);
            Assert.True(new FileInfo(path).Length <= good + 64);
        }
    }

    [Fact]
    public async Task OnDisk_AProcessKilledMidWrite_LosesNoAcknowledgedChild()
    {
        var path = Path.Combine(_dir, "killed.log");
        using var writer = ExampleProcess.Start("Apps", "durable-writer", path);
        Assert.Equal("restored 0", await writer.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)));
        var acked = -1;
        while (acked < 300)
        {
            var line = await writer.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.NotNull(line);
            acked = int.Parse(line!["acked ".Length..], System.Globalization.CultureInfo.InvariantCulture);
        }

        writer.Kill();
        await writer.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        // Everything read after the kill was acknowledged before it too.
        while (await writer.StandardOutput.ReadLineAsync() is { } line)
        {
            acked = int.Parse(line["acked ".Length..], System.Globalization.CultureInfo.InvariantCulture);
        }

        using (var store = new FileChildStore(path))
        {
            var numbers = store.Load().Select(c => (int)c.Arguments[0]!).ToList();
            Assert.True(numbers.Count >= acked + 1, $"{numbers.Count} recorded, {acked + 1} acknowledged");
            Assert.Equal(Enumerable.Range(0, numbers.Count), numbers);
        }

        // And a new process brings them back.
        using var again = ExampleProcess.Start("Apps", "durable-writer", path);
        var restored = await again.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        again.Kill();
        await again.WaitForExitAsync();
        Assert.True(int.Parse(restored!["restored ".Length..], System.Globalization.CultureInfo.InvariantCulture) >= acked + 1, restored);
    }

    [Fact]
    public async Task OnDisk_ValuesItCannotKeep_FailTheStart_AndLeaveNothingRunning()
    {
        await using var probe = new Probe();
        using var store = new FileChildStore(Path.Combine(_dir, "bad.log"));
        var sup = (await DynamicSupervisor.StartAsync(probe.Node, new DynamicSupervisorOptions { Durable = new DurableChildren { Store = store } })).Pid;
        var spec = Numbered(1) with { Arguments = [new object()] };
        var result = await DynamicSupervisor.StartChildAsync(sup, spec);
        Assert.False(result.IsOk);
        Assert.Contains("argument 1 is a Object", result.Error!.ToString(), StringComparison.Ordinal);
        Assert.Equal(new ChildCounts(0, 0, 0, 0), await DynamicSupervisor.CountChildrenAsync(sup));
        Assert.Empty(store.Load());
    }

    [Fact]
    public void OnDisk_CompactsWhenRemovalsOutnumberTheLiving()
    {
        var path = Path.Combine(_dir, "compact.log");
        using var store = new FileChildStore(path);
        for (var n = 0; n < 3000; n++)
        {
            store.Remove(store.Add("n", [n, "some padding to make records larger"], null));
        }

        var kept = store.Add("n", [-1], null);
        Assert.True(new FileInfo(path).Length < 64 * 1024, $"log is {new FileInfo(path).Length} bytes");
        store.Dispose();
        using var reopened = new FileChildStore(path);
        Assert.Equal([kept], reopened.Load().Select(c => c.Key));
        Assert.Equal(kept + 1, reopened.Add("n", [0], null));
    }

    [Fact]
    public async Task AChildThatCannotComeBack_IsForgotten_AndTheOthersStart()
    {
        await using var probe = new Probe();
        var store = new MemoryChildStore();
        var failing = false;
        var flaky = new ChildSpec
        {
            Id = "flaky",
            Start = (sup, _) => failing ? new(StartResult.Fail(ExitReason.Atom("nope"))) : Agent.StartLinkAsync(sup, () => 99),
        };
        var parent = await probe.StartSupervisorAsync(new SupervisorFlags { Intensity = 5 },
            ChildSpec.ForDynamicSupervisor("dyn", new DynamicSupervisorOptions { Durable = new DurableChildren { Store = store } }));
        var dyn = await Probe.ChildPid(parent, "dyn");
        await DynamicSupervisor.StartChildAsync(dyn, flaky);
        await DynamicSupervisor.StartChildAsync(dyn, Numbered(1));
        failing = true;
        dyn = await RestartUnder(parent, "dyn");
        Assert.Equal("1", string.Join(",", await Numbers(dyn)));
        Assert.Equal(1, store.Count);
    }
}
