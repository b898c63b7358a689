namespace Trellis;

/// <summary>
/// A dynamically started child as a durable store keeps it. For a <see cref="DynamicSupervisor"/> it is the child spec's
/// id and arguments (and, in memory, the spec itself); for <c>simple_one_for_one</c> it is the extra arguments of
/// <c>start_child</c>, with the template's id.
/// </summary>
/// <param name="Key">The store's key for it: increasing in the order children were recorded.</param>
/// <param name="Id">The spec's id.</param>
/// <param name="Arguments">The spec's arguments (DynamicSupervisor) or the extra arguments (simple_one_for_one).</param>
/// <param name="Spec">The spec itself when the store can keep one (in memory); null when it was read from disk.</param>
public sealed record StoredChild(long Key, object Id, IReadOnlyList<object?> Arguments, ChildSpec? Spec = null);
