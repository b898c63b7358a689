namespace Trellis;

/// <summary>
/// The answer of <c>which_child/2</c>: <c>{ok, {Id, Child, Type, Modules}}</c> as <see cref="Child"/>, or
/// <c>{error, not_found}</c> / <c>{error, simple_one_for_one}</c> as <see cref="Error"/>.
/// </summary>
public readonly record struct ChildLookup
{
    private ChildLookup(ChildInfo? child, ExitReason? error)
    {
        Child = child;
        Error = error;
    }

    /// <summary>The child; null when <see cref="Error"/> is set.</summary>
    public ChildInfo? Child { get; }

    /// <summary>Why there is no child; null when found.</summary>
    public ExitReason? Error { get; }

    /// <summary>True when the child was found.</summary>
    public bool IsOk => Child is not null;

    /// <summary>A found child.</summary>
    /// <param name="child">The child.</param>
    /// <returns>The answer.</returns>
    public static ChildLookup Found(ChildInfo child) => new(child ?? throw new ArgumentNullException(nameof(child)), null);

    /// <summary>No child, and why.</summary>
    /// <param name="error">The error, such as <see cref="SupervisorErrors.NotFound"/>.</param>
    /// <returns>The answer.</returns>
    public static ChildLookup Fail(ExitReason error) => new(null, error ?? throw new ArgumentNullException(nameof(error)));

    /// <summary><c>{ok,{Id,Pid,Type,Modules}}</c> or <c>{error,Reason}</c>.</summary>
    public override string ToString() => Child is { } c
        ? Terms.Tuple(new Atom("ok"), Terms.TupleTerm(c.Id, c.Status switch
        {
            ChildStatus.Running => c.Pid,
            ChildStatus.Restarting => new Atom("restarting"),
            _ => new Atom("undefined"),
        }, new Atom(c.Type == ChildType.Supervisor ? "supervisor" : "worker"), c.Modules.Select(m => new Atom(m)).ToList()))
        : Terms.Tuple(new Atom("error"), Error);
}
