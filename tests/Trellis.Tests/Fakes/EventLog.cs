namespace Trellis.Tests.Fakes;

/// <summary>A thread-safe record of what test processes did, with event-driven waits.</summary>
public sealed class EventLog
{
    private readonly Lock _lock = new();
    private readonly List<string> _events = [];
    private readonly List<(Func<IReadOnlyList<string>, bool> Condition, TaskCompletionSource Signal)> _waiters = [];

    public void Add(string entry)
    {
        List<TaskCompletionSource>? ready = null;
        lock (_lock)
        {
            _events.Add(entry);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Condition(_events))
                {
                    (ready ??= []).Add(_waiters[i].Signal);
                    _waiters.RemoveAt(i);
                }
            }
        }

        ready?.ForEach(s => s.TrySetResult());
    }

    public IReadOnlyList<string> Snapshot()
    {
        lock (_lock)
        {
            return [.. _events];
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _events.Clear();
        }
    }

    public int Count(string entry)
    {
        lock (_lock)
        {
            return _events.Count(e => e == entry);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds, failing after <paramref name="deadline"/>.</summary>
    public Task WaitUntilAsync(Func<IReadOnlyList<string>, bool> condition, TimeSpan? deadline = null)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (condition(_events))
            {
                return Task.CompletedTask;
            }

            _waiters.Add((condition, signal));
        }

        return signal.Task.WaitAsync(deadline ?? TimeSpan.FromSeconds(10));
    }

    public Task WaitForAsync(string entry, int count = 1) => WaitUntilAsync(e => e.Count(x => x == entry) >= count);
}
