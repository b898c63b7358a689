using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Trellis.Distribution.Internal;

/// <summary>The background tasks of a node's distribution: each is tracked until it ends, its failure logged, and all awaited at shutdown.</summary>
internal sealed class OwnedTasks
{
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private readonly ILogger _log;

    public OwnedTasks(ILogger log) => _log = log;

    public void Run(Func<Task> work)
    {
        var task = Task.Run(async () =>
        {
            try
            {
                await work().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _log.TaskFailed(ex);
            }
        });
        _running.TryAdd(task, 0);
        _ = task.ContinueWith(static (t, s) => ((ConcurrentDictionary<Task, byte>)s!).TryRemove(t, out _), _running, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Waits for every task, including any started meanwhile, up to <paramref name="timeout"/>.</summary>
    public async Task WhenAllAsync(TimeSpan timeout, TimeProvider time)
    {
        var deadline = time.GetTimestamp();
        while (!_running.IsEmpty && time.GetElapsedTime(deadline) < timeout)
        {
            var all = Task.WhenAll(_running.Keys);
            await Task.WhenAny(all, Task.Delay(timeout - time.GetElapsedTime(deadline), time)).ConfigureAwait(false);
        }
    }
}
