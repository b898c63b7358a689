namespace Trellis;

/// <summary>
/// Where a supervisor with <see cref="DurableChildren"/> records the children it starts dynamically, so that it can
/// start them again after it is itself restarted (seed 001, section 3.3). A store must outlive the supervisor: create
/// it above the supervisor (in memory) or on disk. The supervisor calls it from its own loop, one call at a time.
/// </summary>
public interface IDurableChildStore
{
    /// <summary>The children recorded, in the order they were recorded.</summary>
    /// <returns>The children.</returns>
    IReadOnlyList<StoredChild> Load();

    /// <summary>Records a child; when it returns, the record is durable (for a disk store: written and fsync'd).</summary>
    /// <param name="id">The spec's id.</param>
    /// <param name="arguments">The arguments to keep.</param>
    /// <param name="spec">The spec, for a store that keeps specs.</param>
    /// <returns>The record's key.</returns>
    /// <exception cref="ArgumentException">A value the store cannot keep (a disk store keeps strings, numbers, booleans, null and lists of them).</exception>
    long Add(object id, IReadOnlyList<object?> arguments, ChildSpec? spec);

    /// <summary>Forgets a child: it was terminated, or exited and will not be restarted.</summary>
    /// <param name="key">The record's key.</param>
    void Remove(long key);
}
