using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Trellis.Tests.Fakes;

namespace Trellis.Tests;

public class TelemetryTests
{
    [Fact]
    public async Task LogEvents_ForStartExitRestartAndGivingUp()
    {
        var logging = new ListLoggerFactory();
        await using var probe = new Probe(manualTime: true, logging: logging);
        var sup = await probe.StartSupervisorAsync(new SupervisorFlags { Intensity = 1 }, Worker.Spec("c", probe.Log));
        await Probe.KillAndSync(sup, await Probe.ChildPid(sup, "c"));
        Node.Exit(await Probe.ChildPid(sup, "c"), ExitReason.Kill);
        await Probe.ExitOf(sup);
        var ids = logging.Entries.Select(e => e.Id.Id).ToList();
        Assert.Contains(1, ids);
        Assert.Contains(2, ids);
        Assert.Contains(4, ids);
        Assert.Contains(5, ids);
        Assert.Contains(logging.Entries, e => e.Id.Id == 2 && e.Message.Contains("exited with reason killed", StringComparison.Ordinal));
        Assert.Contains(logging.Entries, e => e.Id.Id == 5 && e.Message.Contains("maximum restart intensity", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_crash_is_logged_at_Warning_with_its_exception_and_giving_up_at_Error()
    {
        var logging = new ListLoggerFactory();
        await using var probe = new Probe(manualTime: true, logging: logging);
        var sup = await probe.StartSupervisorAsync(new SupervisorFlags { Intensity = 1 }, ChildSpec.ForServer("t", static () => new Thrower()));
        var child = await Probe.ChildPid(sup, "t");
        await Assert.ThrowsAsync<CallException>(async () => await GenServer.CallAsync(child, "boom"));
        var restarted = await Probe.ChildPid(sup, "t");
        Assert.NotEqual(child, restarted);
        await Assert.ThrowsAsync<CallException>(async () => await GenServer.CallAsync(restarted, "boom"));
        await Probe.ExitOf(sup);

        var crashes = logging.Entries.Where(e => e.Id.Id == 2).ToList();
        Assert.Equal(2, crashes.Count);
        Assert.All(crashes, e =>
        {
            Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, e.Level);
            var ex = Assert.IsType<InvalidOperationException>(e.Exception);
            Assert.Contains("Thrower.HandleCall", ex.StackTrace, StringComparison.Ordinal);
        });
        Assert.Contains(logging.Entries, e => e.Id.Id == 5 && e.Level == Microsoft.Extensions.Logging.LogLevel.Error);
    }

    [Fact]
    public async Task Metrics_CountRestartsAndExitsByKind()
    {
        var node = "metrics-" + Guid.NewGuid();
        var counts = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Trellis")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? nodeTag = null, kind = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "trellis.node")
                {
                    nodeTag = (string?)tag.Value;
                }
                else
                {
                    kind = (string?)tag.Value;
                }
            }

            if (nodeTag == node)
            {
                counts.AddOrUpdate(instrument.Name + "/" + kind, value, (_, v) => v + value);
            }
        });
        listener.Start();

        await using var probe = new Probe(name: node);
        var sup = await probe.StartSupervisorAsync(new SupervisorFlags { Intensity = 5 }, Worker.Spec("c", probe.Log));
        await Probe.KillAndSync(sup, await Probe.ChildPid(sup, "c"));
        await Probe.KillAndSync(sup, await Probe.ChildPid(sup, "c"));
        Assert.Equal(2, counts.GetValueOrDefault("trellis.supervisor.restarts/one_for_one"));
        Assert.Equal(2, counts.GetValueOrDefault("trellis.process.exits/killed"));
    }

    [Fact]
    public async Task Gauges_ShowLiveProcessesChildrenPerSupervisorAndMailboxesOfNamedServers()
    {
        var node = "gauges-" + Guid.NewGuid();
        var seen = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Trellis")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        void Record<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
            where T : struct
        {
            var key = instrument.Name;
            var mine = false;
            foreach (var tag in tags)
            {
                if (tag.Key == "trellis.node")
                {
                    mine = (string?)tag.Value == node;
                }
                else
                {
                    key += "/" + tag.Key + "=" + tag.Value;
                }
            }

            if (mine)
            {
                seen[key] = Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<int>((i, v, t, _) => Record(i, v, t));
        listener.Start();

        await using var probe = new Probe(name: node);
        var sup = await Supervisor.StartAsync(
            probe.Node,
            [Worker.Spec("a", probe.Log), Worker.Spec("b", probe.Log, restart: RestartType.Transient)],
            new SupervisorFlags { Intensity = 5 },
            name: "gauged");
        Assert.True(sup.IsOk);

        // A named server with three messages it has not read.
        var waiting = probe.Node.Spawn(async ctx => await ctx.ReceiveAsync(m => m is "go", Probe.Deadline));
        probe.Node.Register("inbox", waiting);
        for (var i = 0; i < 3; i++)
        {
            waiting.Send(i);
        }

        // A change of children is published by the supervisor's next message once someone observes.
        listener.RecordObservableInstruments();
        Assert.True((await Supervisor.TerminateChildAsync(sup.Pid, "b")).IsOk);
        listener.RecordObservableInstruments();
        Assert.Equal(1, seen["trellis.supervisor.children/trellis.supervisor.name=gauged/trellis.child.state=active"]);
        Assert.Equal(1, seen["trellis.supervisor.children/trellis.supervisor.name=gauged/trellis.child.state=inactive"]);
        Assert.Equal(3, seen["trellis.process.mailbox.length/trellis.process.name=inbox"]);
        Assert.Equal(probe.Node.ProcessCount, seen["trellis.process.count"]);

        // A supervisor killed outright leaves the gauge.
        Node.Exit(sup.Pid, ExitReason.Kill);
        await Probe.ExitOf(sup.Pid);
        seen.Clear();
        listener.RecordObservableInstruments();
        Assert.DoesNotContain(seen.Keys, k => k.StartsWith("trellis.supervisor.children", StringComparison.Ordinal));
        waiting.Send("go");
    }

    private sealed class Thrower : GenServer
    {
        protected override ServerResult HandleCall(object request, From from) => throw new InvalidOperationException("boom");
    }
}
