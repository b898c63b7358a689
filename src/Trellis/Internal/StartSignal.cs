using System.Threading.Tasks.Sources;

namespace Trellis.Internal;

/// <summary>The one-shot answer of a synchronous start: set by the new process once its init has returned.</summary>
internal sealed class StartSignal : IValueTaskSource<StartResult>
{
    private ManualResetValueTaskSourceCore<StartResult> _core;
    private int _signalled;

    public StartSignal() => _core.RunContinuationsAsynchronously = true;

    public ValueTask<StartResult> Task => new(this, _core.Version);

    public void Set(StartResult result)
    {
        if (Interlocked.Exchange(ref _signalled, 1) == 0)
        {
            _core.SetResult(result);
        }
    }

    StartResult IValueTaskSource<StartResult>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<StartResult>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<StartResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
