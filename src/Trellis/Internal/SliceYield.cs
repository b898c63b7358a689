using System.Runtime.CompilerServices;

namespace Trellis.Internal;

/// <summary>
/// Awaited by a process's own loop to leave the thread it runs on (a starter's, a caller's) for its own work item on the
/// thread pool: it goes on inside a <see cref="Slice"/>, so an answer it gives as its last step before waiting runs
/// its caller on that thread, as after any receive. Task.Yield would go on outside a slice, and cost the caller a hop.
/// </summary>
internal readonly struct SliceYield(LocalProcess process) : ICriticalNotifyCompletion
{
    public bool IsCompleted => false;

    public SliceYield GetAwaiter() => this;

    public void GetResult()
    {
    }

    public void OnCompleted(Action continuation) => process.QueueYielded(continuation);

    public void UnsafeOnCompleted(Action continuation) => process.QueueYielded(continuation);
}
