using System.Diagnostics.Metrics;

namespace Trellis.Hosting.Internal;

/// <summary>
/// What the health check reports: restarts heard on the Trellis meter (for this node) within the root's period make
/// it Degraded; a root that gave up makes it Unhealthy.
/// </summary>
internal sealed class SupervisionHealth : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly TimeProvider _time;
    private readonly string _node;
    private readonly Lock _lock = new();
    private readonly Queue<long> _restarts = new();

    public SupervisionHealth(Node node, TimeProvider time)
    {
        _time = time;
        _node = node.Name;
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

    public int RestartsWithin(TimeSpan period)
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            while (_restarts.Count > 0 && _time.GetElapsedTime(_restarts.Peek(), now) > period)
            {
                _restarts.Dequeue();
            }

            return _restarts.Count;
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
            _restarts.Enqueue(_time.GetTimestamp());
            while (_restarts.Count > 1024)
            {
                _restarts.Dequeue();
            }
        }
    }
}
