namespace Trellis;

/// <summary>
/// Makes a <see cref="DynamicSupervisor"/>'s or a <c>simple_one_for_one</c> supervisor's dynamic children durable:
/// every child started with restart type permanent or transient is recorded in <see cref="Store"/>, forgotten when it
/// is terminated or exits for good, and started again, in the order it was first started, when the supervisor starts
/// again (restarted by its parent, or in a new OS process with a disk store). Temporary children are not recorded.
/// </summary>
public sealed record DurableChildren
{
    /// <summary>The store: <see cref="MemoryChildStore"/> (owned above the supervisor) or <see cref="FileChildStore"/>.</summary>
    public required IDurableChildStore Store { get; init; }

    /// <summary>
    /// Builds the spec of a DynamicSupervisor child read back without one (from disk): from its id and arguments.
    /// Not used by simple_one_for_one, whose template is the spec.
    /// </summary>
    public Func<StoredChild, ChildSpec>? Rebuild { get; init; }
}
