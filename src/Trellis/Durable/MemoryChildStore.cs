namespace Trellis;

/// <summary>
/// A durable child store in memory: create it above the supervisor (in the code that builds the parent's child spec)
/// so it outlives the supervisor's restarts. It keeps the specs themselves, so any spec comes back.
/// </summary>
public sealed class MemoryChildStore : IDurableChildStore
{
    private readonly SortedDictionary<long, StoredChild> _children = [];
    private readonly Lock _lock = new();
    private long _nextKey;

    /// <summary>The number of children recorded.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _children.Count;
            }
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<StoredChild> Load()
    {
        lock (_lock)
        {
            return [.. _children.Values];
        }
    }

    /// <inheritdoc />
    public long Add(object id, IReadOnlyList<object?> arguments, ChildSpec? spec)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(arguments);
        lock (_lock)
        {
            var key = ++_nextKey;
            _children.Add(key, new StoredChild(key, id, arguments, spec));
            return key;
        }
    }

    /// <inheritdoc />
    public void Remove(long key)
    {
        lock (_lock)
        {
            _children.Remove(key);
        }
    }
}
