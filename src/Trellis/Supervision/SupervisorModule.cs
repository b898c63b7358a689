namespace Trellis;

/// <summary>
/// A supervisor defined by a callback (Erlang's <c>supervisor</c> behaviour with <c>init/1</c>): override
/// <see cref="Init"/> to return the flags and the children.
/// </summary>
public abstract class SupervisorModule
{
    /// <summary>Returns the supervisor's flags and children, or <see cref="SupervisorInit.Ignore"/>.</summary>
    /// <param name="argument">The start argument.</param>
    /// <returns>The specification.</returns>
    public abstract SupervisorInit Init(object? argument);
}

/// <summary>What <see cref="SupervisorModule.Init"/> returns: <c>{ok, {Flags, Children}}</c> or <c>ignore</c>.</summary>
public sealed class SupervisorInit
{
    private SupervisorInit(SupervisorFlags? flags, IReadOnlyList<ChildSpec>? children)
    {
        Flags = flags;
        Children = children;
    }

    /// <summary><c>ignore</c>: the start returns ignore.</summary>
    public static SupervisorInit Ignore { get; } = new(null, null);

    /// <summary>The flags; null for ignore.</summary>
    public SupervisorFlags? Flags { get; }

    /// <summary>The children in start order; null for ignore.</summary>
    public IReadOnlyList<ChildSpec>? Children { get; }

    /// <summary><c>{ok, {Flags, Children}}</c>.</summary>
    /// <param name="flags">The flags.</param>
    /// <param name="children">The children, in start order.</param>
    /// <returns>The specification.</returns>
    public static SupervisorInit Ok(SupervisorFlags flags, IEnumerable<ChildSpec> children)
    {
        ArgumentNullException.ThrowIfNull(flags);
        ArgumentNullException.ThrowIfNull(children);
        return new(flags, children.ToList());
    }
}
