namespace Trellis;

/// <summary>The detail of <c>{already_started, Pid}</c>: a name or child id is already held by <paramref name="Pid"/>.</summary>
/// <param name="Pid">The process holding it.</param>
public sealed record AlreadyStarted(Pid Pid)
{
    /// <inheritdoc />
    public override string ToString() => Terms.Tuple(new Atom("already_started"), Pid);
}
