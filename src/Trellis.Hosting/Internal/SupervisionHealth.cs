using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace Trellis.Hosting.Internal;

/// <summary>
/// What the health check reports: restarts heard on the Trellis meter (for this node) within the root's period make
/// it Degraded; a root that gave up makes it Unhealthy.
/// </summary>
internal sealed class SupervisionHealth : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly string _node;
    private readonly Lock _lock = new();
    private readonly SlidingWindow _restarts;

    public SupervisionHealth(Node node, TimeProvider time, IOptions<TrellisOptions> options)
    {
        _node = node.Name;
        _restarts = new SlidingWindow(time, options.Value.Period);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Trellis" && instrument.Name == "trellis.supervisor.restarts")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.Start();
    }

    public ExitReason? GaveUp { get; set; }

    /// <summary>Restarts within the root's period, counted as the root's intensity counts them.</summary>
    public int Restarts
    {
        get
        {
            lock (_lock)
            {
                return _restarts.Count();
            }
        }
    }

    public void Dispose() => _listener.Dispose();

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "trellis.node" && (string?)tag.Value != _node)
            {
                return;
            }
        }

        lock (_lock)
        {
            _restarts.Add();
        }
    }
}
