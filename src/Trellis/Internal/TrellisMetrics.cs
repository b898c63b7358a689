using System.Diagnostics.Metrics;

namespace Trellis.Internal;

/// <summary>The node's instruments: exits by kind, restarts, and supervisors that gave up.</summary>
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
    private readonly KeyValuePair<string, object?> _node;

    public TrellisMetrics(IMeterFactory? factory, string node)
    {
        _ownsMeter = factory is null;
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        _node = new("trellis.node", node);
        _exits = _meter.CreateCounter<long>("trellis.process.exits", "{exit}", "Processes that exited, by exit kind.");
        _restarts = _meter.CreateCounter<long>("trellis.supervisor.restarts", "{restart}", "Restarts performed by supervisors (a group restart counts once).");
        _gaveUp = _meter.CreateCounter<long>("trellis.supervisor.gave_up", "{supervisor}", "Supervisors that reached their maximum restart intensity.");
    }

    public void ProcessExited(ExitReason reason)
    {
        if (_exits.Enabled)
        {
            _exits.Add(1, _node, new("exit.kind", KindTag(reason)));
        }
    }

    public void Restarted(string strategy)
    {
        if (_restarts.Enabled)
        {
            _restarts.Add(1, _node, new("strategy", strategy));
        }
    }

    public void GaveUp(string strategy)
    {
        if (_gaveUp.Enabled)
        {
            _gaveUp.Add(1, _node, new("strategy", strategy));
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
