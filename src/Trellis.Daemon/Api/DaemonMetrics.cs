using System.Diagnostics.Metrics;
using Trellis.Daemon.Config;
using Trellis.Daemon.Runtime;

namespace Trellis.Daemon.Api;

/// <summary>
/// The daemon's meter, <c>Trellis.Daemon</c>, read when <c>/metrics</c> is scraped: per service (and .NET worker) up,
/// restarts, exits by kind, CPU time, resident memory, threads, descriptors and processes; per supervisor its
/// children by state and the restarts it made. Names and attributes follow OpenTelemetry's conventions (the exporter
/// turns <c>trellis.service.cpu.time</c> in seconds into <c>trellis_service_cpu_time_seconds_total</c>).
/// </summary>
internal sealed class DaemonMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Trellis.Daemon";

    private readonly Meter _meter = new(MeterName);
    private readonly ServiceTree _tree;

    public DaemonMetrics(ServiceTree tree)
    {
        _tree = tree;
        _meter.CreateObservableGauge("trellis.service.up", () => Each(n => Measure(n.Status == NodeStatus.Running ? 1 : 0, n)), "{service}", "1 while the service runs (ready), else 0.");
        _meter.CreateObservableCounter("trellis.service.restarts", () => Each(n => Measure((long)n.Restarts, n)), "{restart}", "Restarts its supervisor made (operators' starts and restarts not counted).");
        _meter.CreateObservableCounter("trellis.service.exits", ObserveExits, "{exit}", "Exits of the service, by trellis.exit.kind.");
        _meter.CreateObservableCounter("trellis.service.cpu.time", () => Sampled(n => Measure(n.Resources.CpuSecondsTotal, n)), "s", "CPU time of the program and its descendants, over all its runs.");
        _meter.CreateObservableGauge("trellis.service.memory.usage", () => Running(s => s.RssBytes), "By", "Resident memory of the program and its descendants.");
        _meter.CreateObservableGauge("trellis.service.thread.count", () => Running(s => (long)s.Threads), "{thread}", "Threads of the program and its descendants.");
        _meter.CreateObservableGauge("trellis.service.open_file_descriptor.count", () => Running(s => (long)s.OpenFiles), "{file_descriptor}", "Open descriptors of the program and its descendants.");
        _meter.CreateObservableGauge("trellis.service.process.count", () => Running(s => (long)s.Processes), "{process}", "Live processes of the service: the program and its descendants.");
        _meter.CreateObservableGauge("trellis.tree.supervisor.children", ObserveChildren, "{child}", "Children of each supervisor of the tree, active (running) or inactive.");
        _meter.CreateObservableCounter("trellis.tree.supervisor.restarts", () => Supervisors(n => Measure((long)n.Children.Sum(c => c.Restarts), n, supervisor: true)), "{restart}", "Restarts each supervisor of the tree made of its children.");
    }

    public void Dispose() => _meter.Dispose();

    private static Measurement<T> Measure<T>(T value, TreeNode n, bool supervisor = false)
        where T : struct =>
        supervisor
            ? new Measurement<T>(value, new KeyValuePair<string, object?>("trellis.supervisor.name", n.Name))
            : new Measurement<T>(value, new KeyValuePair<string, object?>("trellis.service.name", n.Name), new("trellis.service.kind", n.Config.Kind));

    private List<TreeNode> Nodes(Func<TreeNode, bool> which) => Snapshot(which, n => n);

    // Children change with a reload, under the model lock: whatever reads them runs inside it.
    private List<T> Snapshot<T>(Func<TreeNode, bool> which, Func<TreeNode, T> project)
    {
        lock (_tree.ModelLock)
        {
            return _tree.Nodes.Where(which).Select(project).ToList();
        }
    }

    private IEnumerable<Measurement<T>> Each<T>(Func<TreeNode, Measurement<T>> measure)
        where T : struct => Nodes(n => n.Config is ServiceConfig or DotnetConfig).Select(measure);

    // A scrape counts as a look: the sampler brings the latest samples up to date first.
    private IEnumerable<Measurement<T>> Sampled<T>(Func<TreeNode, Measurement<T>> measure)
        where T : struct
    {
        _tree.Sampler.Watch();
        return Nodes(n => n.Config is ServiceConfig).Select(measure);
    }

    private IEnumerable<Measurement<long>> Running(Func<ResourceSample, long> value)
    {
        _tree.Sampler.Watch();
        foreach (var n in Nodes(n => n.Config is ServiceConfig))
        {
            if (n.Resources.Latest is { } s)
            {
                yield return Measure(value(s), n);
            }
        }
    }

    private IEnumerable<Measurement<long>> ObserveExits()
    {
        foreach (var n in Nodes(n => n.Config is ServiceConfig or DotnetConfig))
        {
            var counts = n.Exits();
            for (var i = 0; i < counts.Length; i++)
            {
                if (counts[i] > 0)
                {
                    yield return new Measurement<long>(
                        counts[i], new("trellis.service.name", n.Name), new("trellis.service.kind", n.Config.Kind), new("trellis.exit.kind", ExitKind.All[i]));
                }
            }
        }
    }

    private List<Measurement<T>> Supervisors<T>(Func<TreeNode, Measurement<T>> measure)
        where T : struct => Snapshot(n => n.Config is SupervisorConfig, measure);

    private IEnumerable<Measurement<int>> ObserveChildren()
    {
        var counts = Snapshot(n => n.Config is SupervisorConfig, n => (n.Name, Active: n.Children.Count(c => !c.Pid.IsNone), All: n.Children.Count));
        foreach (var (name, active, all) in counts)
        {
            yield return new Measurement<int>(active, new("trellis.supervisor.name", name), new("trellis.child.state", "active"));
            yield return new Measurement<int>(all - active, new("trellis.supervisor.name", name), new("trellis.child.state", "inactive"));
        }
    }
}
