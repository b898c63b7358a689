using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Trellis.Internal;

/// <summary>
/// The node's instruments: exits by kind, restarts, and supervisors that gave up (counters); live processes, children
/// per supervisor and the mailbox depth of registered processes (gauges, read when a collector asks). Attributes are
/// namespaced: <c>trellis.node</c>, <c>trellis.exit.kind</c>, <c>trellis.supervisor.strategy</c>,
/// <c>trellis.supervisor.name</c>, <c>trellis.child.state</c>, <c>trellis.process.name</c>.
/// </summary>
internal sealed class TrellisMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Trellis";

    /// <summary>Activities for child starts and restarts, under the library's name; free when nobody listens.</summary>
    public static readonly System.Diagnostics.ActivitySource Activities = new(MeterName);

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _exits;
    private readonly Counter<long> _restarts;
    private readonly Counter<long> _gaveUp;
    private readonly ObservableGauge<int> _children;
    private readonly KeyValuePair<string, object?> _node;
    private readonly ConcurrentDictionary<SupervisorServer, byte> _supervisors = new();

    public TrellisMetrics(IMeterFactory? factory, string node, Func<long> processCount, Func<IEnumerable<(string Name, int Mailbox)>> registered)
    {
        _ownsMeter = factory is null;
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        _node = new("trellis.node", node);
        _exits = _meter.CreateCounter<long>("trellis.process.exits", "{exit}", "Processes that exited, by exit kind.");
        _restarts = _meter.CreateCounter<long>("trellis.supervisor.restarts", "{restart}", "Restarts performed by supervisors (a group restart counts once).");
        _gaveUp = _meter.CreateCounter<long>("trellis.supervisor.gave_up", "{supervisor}", "Supervisors that reached their maximum restart intensity.");
        _meter.CreateObservableGauge("trellis.process.count", () => new Measurement<long>(processCount(), _node), "{process}", "Processes alive on the node.");
        _children = _meter.CreateObservableGauge("trellis.supervisor.children", ObserveChildren, "{child}", "Children of each supervisor, active (running) or inactive (a spec with no process).");
        _meter.CreateObservableGauge(
            "trellis.process.mailbox.length",
            () => registered().Select(r => new Measurement<int>(r.Mailbox, _node, new("trellis.process.name", r.Name))),
            "{message}",
            "Messages waiting in the mailbox of each registered process.");
    }

    /// <summary>Whether a collector reads the children gauge: only then do supervisors publish their counts.</summary>
    public bool ChildrenObserved => _children.Enabled;

    public void SupervisorStarted(SupervisorServer supervisor) => _supervisors.TryAdd(supervisor, 0);

    public void SupervisorEnded(SupervisorServer supervisor) => _supervisors.TryRemove(supervisor, out _);

    private IEnumerable<Measurement<int>> ObserveChildren()
    {
        foreach (var s in _supervisors.Keys)
        {
            if (s.PublishedCounts is { } c)
            {
                var name = new KeyValuePair<string, object?>("trellis.supervisor.name", s.Name);
                yield return new Measurement<int>(c.Active, _node, name, new("trellis.child.state", "active"));
                yield return new Measurement<int>(c.Specs - c.Active, _node, name, new("trellis.child.state", "inactive"));
            }
        }
    }

    public void ProcessExited(ExitReason reason)
    {
        if (_exits.Enabled)
        {
            _exits.Add(1, _node, new("trellis.exit.kind", KindTag(reason)));
        }
    }

    public void Restarted(string strategy)
    {
        if (_restarts.Enabled)
        {
            _restarts.Add(1, _node, new("trellis.supervisor.strategy", strategy));
        }
    }

    public void GaveUp(string strategy)
    {
        if (_gaveUp.Enabled)
        {
            _gaveUp.Add(1, _node, new("trellis.supervisor.strategy", strategy));
        }
    }

    private static string KindTag(ExitReason reason) => reason.Kind switch
    {
        ExitReasonKind.Normal => "normal",
        ExitReasonKind.Shutdown => "shutdown",
        ExitReasonKind.Killed => "killed",
        ExitReasonKind.Kill => "kill",
        ExitReasonKind.NoProc => "noproc",
        ExitReasonKind.NoConnection => "noconnection",
        ExitReasonKind.Exception => "exception",
        ExitReasonKind.ExitCode => "exit_code",
        ExitReasonKind.Signal => "signal",
        _ => "term",
    };

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
