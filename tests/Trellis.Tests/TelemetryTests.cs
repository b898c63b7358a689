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

    private sealed class Thrower : GenServer
    {
        protected override ServerResult HandleCall(object request, From from) => throw new InvalidOperationException("boom");
    }
}
