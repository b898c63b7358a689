using Trellis.Tests.Fakes;

namespace Trellis.Tests;

/// <summary>Elixir's Registry.</summary>
public class RegistryTests
{
    private static async Task<Pid> StartRegistry(Node node, string name, RegistryKeys keys = RegistryKeys.Unique, int partitions = 1, params string[] listeners)
    {
        var result = await Registry.StartAsync(node, new RegistryOptions { Name = name, Keys = keys, Partitions = partitions, Listeners = listeners });
        Assert.True(result.IsOk, result.ToString());
        return result.Pid;
    }

    /// <summary>Waits, with a deadline, until the partitions have processed the owners' exits.</summary>
    private static async Task WaitForCount(Node node, string registry, int count)
    {
        var deadline = DateTime.UtcNow + Probe.Deadline;
        while (Registry.Count(node, registry) != count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"registry count stayed {Registry.Count(node, registry)}, expected {count}");
            await Task.Yield();
        }
    }

    [Fact]
    public async Task Unique_RegisterLookupUnregister()
    {
        await using var probe = new Probe();
        await StartRegistry(probe.Node, "reg");
        var a = Actor.Spawn(probe.Node);
        var b = Actor.Spawn(probe.Node);
        Assert.True((await a.Do(ctx => Registry.Register(ctx, "reg", "k", 1))).IsOk);
        Assert.Equal([new RegistryEntry(a.Pid, 1)], Registry.Lookup(probe.Node, "reg", "k"));
        var taken = await b.Do(ctx => Registry.Register(ctx, "reg", "k", 2));
        Assert.Equal(ExitReason.Of(new AlreadyRegistered(a.Pid)), taken.Error);
        Assert.Equal("{error,{already_registered," + a.Pid + "}}", taken.ToString());
        Assert.Equal(["k"], Registry.Keys(probe.Node, "reg", a.Pid));
        await a.Do(ctx => { Registry.Unregister(ctx, "reg", "k"); return 0; });
        Assert.Empty(Registry.Lookup(probe.Node, "reg", "k"));
        await a.Do(ctx => { Registry.Unregister(ctx, "reg", "never"); return 0; });
        Assert.True((await b.Do(ctx => Registry.Register(ctx, "reg", "k", 2))).IsOk);
    }

    [Fact]
    public async Task KeysCompareStrictly_OneAndOnePointZeroDiffer()
    {
        await using var probe = new Probe();
        await StartRegistry(probe.Node, "reg");
        var a = Actor.Spawn(probe.Node);
        var b = Actor.Spawn(probe.Node);
        Assert.True((await a.Do(ctx => Registry.Register(ctx, "reg", 1, null))).IsOk);
        Assert.True((await b.Do(ctx => Registry.Register(ctx, "reg", 1.0, null))).IsOk);
        Assert.Equal(2, Registry.Count(probe.Node, "reg"));
    }

    [Fact]
    public async Task EntriesGo_WhenTheOwnerExits_ForAnyReason()
    {
        await using var probe = new Probe();
        await StartRegistry(probe.Node, "reg", partitions: 4);
        foreach (var reason in new[] { ExitReason.Normal, ExitReason.Kill, ExitReason.Shutdown })
        {
            var owner = Actor.Spawn(probe.Node);
            for (var i = 0; i < 10; i++)
            {
                var key = (reason.ToString(), i);
                Assert.True((await owner.Do(ctx => Registry.Register(ctx, "reg", key, i))).IsOk);
            }

            if (reason.IsNormal)
            {
                await Assert.ThrowsAnyAsync<Exception>(() => owner.Do(new Func<ProcessContext, int>(_ => throw new ExitException(ExitReason.Normal))));
            }
            else
            {
                Node.Exit(owner.Pid, reason);
            }

            await Probe.ExitOf(owner.Pid);
            // Lookups never see a dead owner, even before the partitions have cleaned up.
            Assert.Empty(Registry.Lookup(probe.Node, "reg", (reason.ToString(), 0)));
            Assert.Empty(Registry.Keys(probe.Node, "reg", owner.Pid));
            await WaitForCount(probe.Node, "reg", 0);
        }
    }

    [Fact]
    public async Task ConcurrentRegistrationsOfOneUniqueKey_HaveExactlyOneWinner()
    {
        await using var probe = new Probe();
        await StartRegistry(probe.Node, "reg", partitions: 2);
        const int contenders = 64;
        var actors = Enumerable.Range(0, contenders).Select(_ => Actor.Spawn(probe.Node)).ToArray();
        // Each contender parks in a receive until "go" reaches all of them, so the registrations race on every core
        // without blocking a thread.
        var results = actors.Select(actor => actor.Do(async ctx =>
        {
            await ctx.ReceiveAsync(m => m is "go", Timeout.InfiniteTimeSpan);
            return Registry.Register(ctx, "reg", "the-key", ctx.Self.Id);
        })).ToArray();
        foreach (var actor in actors)
        {
            actor.Pid.Send("go");
        }

        var all = await Task.WhenAll(results);
        var winners = all.Where(r => r.IsOk).ToList();
        Assert.Single(winners);
        var holder = Registry.WhereIs(probe.Node, "reg", "the-key");
        Assert.All(all.Where(r => !r.IsOk), r => Assert.Equal(ExitReason.Of(new AlreadyRegistered(holder)), r.Error));
        Assert.Equal(holder.Id, Registry.Lookup(probe.Node, "reg", "the-key").Single().Value);
    }

    [Fact]
    public async Task ADeadHolderNotYetCleanedUp_DoesNotBlockANewRegistration()
    {
        await using var probe = new Probe();
        await StartRegistry(probe.Node, "reg");
        var a = Actor.Spawn(probe.Node);
        Assert.True((await a.Do(ctx => Registry.Register(ctx, "reg", "k", "a"))).IsOk);
        Node.Exit(a.Pid, ExitReason.Kill);
        await Probe.ExitOf(a.Pid);
        var b = Actor.Spawn(probe.Node);
        Assert.True((await b.Do(ctx => Registry.Register(ctx, "reg", "k", "b"))).IsOk);
        Assert.Equal([new RegistryEntry(b.Pid, "b")], Registry.Lookup(probe.Node, "reg", "k"));
        // The partition's late cleanup of a must not remove b's entry.
        await WaitForCount(probe.Node, "reg", 1);
        Assert.Equal(b.Pid, Registry.WhereIs(probe.Node, "reg", "k"));
    }

    [Fact]
    public async Task Duplicate_LookupKeysMatchCountAndUnregisterMatch()
    {
        await using var probe = new Probe();
        await StartRegistry(probe.Node, "topics", RegistryKeys.Duplicate, partitions: 4);
        var a = Actor.Spawn(probe.Node);
        var b = Actor.Spawn(probe.Node);
        await a.Do(ctx => Registry.Register(ctx, "topics", "news", 1));
        await a.Do(ctx => Registry.Register(ctx, "topics", "news", 2));
        await b.Do(ctx => Registry.Register(ctx, "topics", "news", 3));
        Assert.Equal(new object?[] { 1, 2, 3 }, Registry.Lookup(probe.Node, "topics", "news").Select(e => e.Value).OrderBy(v => (int)v!));
        Assert.Equal(["news", "news"], Registry.Keys(probe.Node, "topics", a.Pid));
        Assert.Equal(2, Registry.CountMatch(probe.Node, "topics", "news", v => (int)v! >= 2));
        Assert.Equal([new RegistryEntry(b.Pid, 3)], Registry.Match(probe.Node, "topics", "news", v => (int)v! == 3));
        Assert.Equal(3, Registry.Count(probe.Node, "topics"));
        await a.Do(ctx => { Registry.UnregisterMatch(ctx, "topics", "news", v => (int)v! == 1); return 0; });
        Assert.Equal(new object?[] { 2, 3 }, Registry.Lookup(probe.Node, "topics", "news").Select(e => e.Value).OrderBy(v => (int)v!));
        Assert.Throws<ArgumentException>(() => Registry.WhereIs(probe.Node, "topics", "news"));
        await Assert.ThrowsAsync<ArgumentException>(() => a.Do(ctx => Registry.UpdateValue(ctx, "topics", "news", v => v)));
    }

    [Fact]
    public async Task Dispatch_CallsOncePerPartitionWithEntries_NeverWithAnEmptyList()
    {
        await using var probe = new Probe();
        await StartRegistry(probe.Node, "topics", RegistryKeys.Duplicate, partitions: 8);
        var actors = Enumerable.Range(0, 16).Select(_ => Actor.Spawn(probe.Node)).ToList();
        foreach (var actor in actors)
        {
            await actor.Do(ctx => Registry.Register(ctx, "topics", "t", ctx.Self.Id));
        }

        foreach (var parallel in new[] { false, true })
        {
            var batches = new System.Collections.Concurrent.ConcurrentBag<IReadOnlyList<RegistryEntry>>();
            await Registry.DispatchAsync(probe.Node, "topics", "t", batches.Add, parallel);
            Assert.All(batches, b => Assert.NotEmpty(b));
            Assert.True(batches.Count <= 8);
            Assert.Equal(actors.Select(a => a.Pid.Id).Order(), batches.SelectMany(b => b).Select(e => (long)e.Value!).Order());
        }

        var calls = 0;
        await Registry.DispatchAsync(probe.Node, "topics", "nobody", _ => calls++);
        Assert.Equal(0, calls);
    }

    [Fact]
    public async Task UpdateValueMetaAndUnknownRegistry()
    {
        await using var probe = new Probe();
        await Registry.StartAsync(probe.Node, new RegistryOptions { Name = "reg", Meta = new Dictionary<object, object?> { ["custom"] = "yes" } });
        var a = Actor.Spawn(probe.Node);
        var b = Actor.Spawn(probe.Node);
        await a.Do(ctx => Registry.Register(ctx, "reg", "counter", 1));
        Assert.Equal((true, (object?)2, (object?)1), await a.Do(ctx => Registry.UpdateValue(ctx, "reg", "counter", v => (int)v! + 1)));
        Assert.Equal((false, (object?)null, (object?)null), await b.Do(ctx => Registry.UpdateValue(ctx, "reg", "counter", v => v)));
        Assert.True(Registry.Meta(probe.Node, "reg", "custom", out var meta) && (string)meta! == "yes");
        Registry.PutMeta(probe.Node, "reg", "custom", "no");
        Assert.True(Registry.Meta(probe.Node, "reg", "custom", out meta) && (string)meta! == "no");
        Assert.False(Registry.Meta(probe.Node, "reg", "missing", out _));
        var error = Assert.Throws<ArgumentException>(() => Registry.Lookup(probe.Node, "nope", "k"));
        Assert.Contains("unknown registry: nope", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await Registry.StartAsync(probe.Node, new RegistryOptions { Name = "bad", Partitions = 0 }));
        Assert.Equal(ExitReason.Of(new AlreadyStarted(probe.Node.WhereIs("reg"))), (await Registry.StartAsync(probe.Node, new RegistryOptions { Name = "reg" })).Error);
    }

    [Fact]
    public async Task UnregisteringTheLastKey_UnlinksFromThePartition()
    {
        await using var probe = new Probe();
        var sup = await StartRegistry(probe.Node, "reg");
        var a = Actor.Spawn(probe.Node);
        var partition = (await Supervisor.WhichChildrenAsync(sup)).Single().Pid;
        await a.Do(ctx => Registry.Register(ctx, "reg", "x", null));
        await a.Do(ctx => Registry.Register(ctx, "reg", "y", null));
        Assert.Contains(partition, Node.GetProcessInfo(a.Pid)!.Links);
        await a.Do(ctx => { Registry.Unregister(ctx, "reg", "x"); return 0; });
        Assert.Contains(partition, Node.GetProcessInfo(a.Pid)!.Links);
        await a.Do(ctx => { Registry.Unregister(ctx, "reg", "y"); return 0; });
        Assert.DoesNotContain(partition, Node.GetProcessInfo(a.Pid)!.Links);
    }

    [Fact]
    public async Task AKilledRegistry_TakesNonTrappingRegistrantsWithIt()
    {
        await using var probe = new Probe();
        var sup = await StartRegistry(probe.Node, "reg");
        var plain = Actor.Spawn(probe.Node);
        var trapping = Actor.Spawn(probe.Node, trapExit: true);
        await plain.Do(ctx => Registry.Register(ctx, "reg", "p", null));
        await trapping.Do(ctx => Registry.Register(ctx, "reg", "t", null));
        Node.Exit(sup, ExitReason.Kill);
        Assert.Equal(ExitReason.Killed, await Probe.ExitOf(plain.Pid));
        Assert.True(trapping.Pid.IsAlive);
        Assert.Throws<ArgumentException>(() => Registry.Lookup(probe.Node, "reg", "t"));
    }

    [Fact]
    public async Task Listeners_HearRegisterAndUnregister_ButNotDeaths()
    {
        await using var probe = new Probe();
        var heard = new System.Collections.Concurrent.BlockingCollection<object>();
        var listener = probe.Node.Spawn(async ctx =>
        {
            while (true)
            {
                heard.Add(await ctx.ReceiveAsync());
            }
        });
        probe.Node.Register("listener", listener);
        await StartRegistry(probe.Node, "reg", RegistryKeys.Unique, 1, "listener");
        var a = Actor.Spawn(probe.Node);
        await a.Do(ctx => Registry.Register(ctx, "reg", "k", 7));
        await a.Do(ctx => { Registry.Unregister(ctx, "reg", "k"); return 0; });
        await a.Do(ctx => Registry.Register(ctx, "reg", "k2", 8));
        Node.Exit(a.Pid, ExitReason.Kill);
        await Probe.ExitOf(a.Pid);
        Assert.True(heard.TryTake(out var first, Probe.Deadline));
        Assert.Equal(new RegistryRegistered("reg", "k", a.Pid, 7), first);
        Assert.True(heard.TryTake(out var second, Probe.Deadline));
        Assert.Equal(new RegistryUnregistered("reg", "k", a.Pid), second);
        Assert.True(heard.TryTake(out var third, Probe.Deadline));
        Assert.Equal(new RegistryRegistered("reg", "k2", a.Pid, 8), third);
        // A death is not an unregister: a later register is the next thing heard.
        var b = Actor.Spawn(probe.Node);
        await b.Do(ctx => Registry.Register(ctx, "reg", "k3", 9));
        Assert.True(heard.TryTake(out var fourth, Probe.Deadline));
        Assert.Equal(new RegistryRegistered("reg", "k3", b.Pid, 9), fourth);
    }

    [Fact]
    public async Task Via_NamesAGenServer_CollisionsAreAlreadyStarted_AndTheNameFreesOnExit()
    {
        await using var probe = new Probe();
        await StartRegistry(probe.Node, "names");
        var options = new GenServerOptions { Via = Registry.Via("names", "stack", "meta") };
        var first = await GenServer.StartAsync(probe.Node, () => new Worker("w", probe.Log, new WorkerOptions()), null, options);
        Assert.True(first.IsOk);
        Assert.Equal(first.Pid, Registry.WhereIs(probe.Node, "names", "stack"));
        Assert.Equal([new RegistryEntry(first.Pid, "meta")], Registry.Lookup(probe.Node, "names", "stack"));
        var second = await GenServer.StartAsync(probe.Node, () => new Worker("w2", probe.Log, new WorkerOptions()), null, options);
        Assert.Equal(ExitReason.Of(new AlreadyStarted(first.Pid)), second.Error);
        Assert.Equal("pong", await GenServer.CallAsync(Registry.WhereIs(probe.Node, "names", "stack"), "ping"));
        await GenServer.StopAsync(first.Pid);
        Assert.True(Registry.WhereIs(probe.Node, "names", "stack").IsNone);
        var noproc = await Assert.ThrowsAsync<CallException>(async () => await GenServer.CallAsync(Registry.WhereIs(probe.Node, "names", "stack"), "ping"));
        Assert.Equal(ExitReason.NoProc, noproc.Reason);
        await StartRegistry(probe.Node, "dups", RegistryKeys.Duplicate);
        var error = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await GenServer.StartAsync(probe.Node, () => new Worker("w3", probe.Log, new WorkerOptions()), null, new GenServerOptions { Via = Registry.Via("dups", "x") }));
        Assert.Contains(":via is not supported for duplicate registries", error.Message, StringComparison.Ordinal);
        var both = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await GenServer.StartAsync(probe.Node, () => new Worker("w4", probe.Log, new WorkerOptions()), null, new GenServerOptions { Name = "n", Via = Registry.Via("names", "y") }));
        Assert.Contains("set Name or Via, not both", both.Message, StringComparison.Ordinal);
        Assert.True(probe.Node.WhereIs("n").IsNone);
    }

    [Fact]
    public async Task Via_ASupervisedChild_IsFoundUnderItsKeyAfterARestart()
    {
        await using var probe = new Probe();
        var sup = await probe.StartSupervisorAsync(
            new SupervisorFlags { Strategy = Strategy.RestForOne, Intensity = 5 },
            Registry.Spec(new RegistryOptions { Name = "names", Partitions = 2 }),
            ChildSpec.ForServer("stack", () => new Worker("stack", probe.Log, new WorkerOptions()), null, new GenServerOptions { Via = Registry.Via("names", "stack") }));
        var before = Registry.WhereIs(probe.Node, "names", "stack");
        Assert.False(before.IsNone);
        await Probe.KillAndSync(sup, before);
        var after = Registry.WhereIs(probe.Node, "names", "stack");
        Assert.False(after.IsNone);
        Assert.NotEqual(before, after);
        // The registry itself restarting (rest_for_one) brings fresh tables and a re-registered child.
        await Probe.KillAndSync(sup, await Probe.ChildPid(sup, "names"));
        Assert.False(Registry.WhereIs(probe.Node, "names", "stack").IsNone);
        Assert.NotEqual(after, Registry.WhereIs(probe.Node, "names", "stack"));
    }

    [Fact]
    public async Task ManyKeysOverManyPartitions_AllFound()
    {
        await using var probe = new Probe();
        await StartRegistry(probe.Node, "reg", partitions: 8);
        var actors = Enumerable.Range(0, 4).Select(_ => Actor.Spawn(probe.Node)).ToArray();
        await Task.WhenAll(actors.Select((actor, n) => actor.Do(ctx =>
        {
            for (var i = 0; i < 250; i++)
            {
                Assert.True(Registry.Register(ctx, "reg", $"{n}/{i}", i).IsOk);
            }

            return 0;
        })));
        Assert.Equal(1000, Registry.Count(probe.Node, "reg"));
        for (var n = 0; n < 4; n++)
        {
            Assert.Equal(250, Registry.Keys(probe.Node, "reg", actors[n].Pid).Count);
            Assert.Equal(actors[n].Pid, Registry.WhereIs(probe.Node, "reg", $"{n}/17"));
        }
    }
}
