namespace Trellis.Internal;

/// <summary>
/// MaxR restarts in MaxT seconds, exactly as <c>supervisor.erl</c>'s <c>add_restart</c>: monotonic time truncated to
/// whole seconds, a restart stays counted while <c>now - r &lt;= period</c>, and the restart that makes the count exceed
/// the intensity is refused.
/// </summary>
internal sealed class RestartIntensity(TimeProvider time, int intensity, TimeSpan period)
{
    private readonly Queue<long> _restarts = new();
    private readonly long _periodSeconds = (long)period.TotalSeconds;

    public int Intensity => intensity;

    public TimeSpan Period => period;

    /// <summary>Records a restart; false when it exceeds the intensity (the supervisor must give up).</summary>
    public bool Add()
    {
        var now = NowSeconds();
        Prune(now);
        _restarts.Enqueue(now);
        return _restarts.Count <= intensity;
    }

    private void Prune(long now)
    {
        var threshold = now - _periodSeconds;
        while (_restarts.Count > 0 && _restarts.Peek() < threshold)
        {
            _restarts.Dequeue();
        }
    }

    private long NowSeconds() => time.GetTimestamp() / time.TimestampFrequency;
}
