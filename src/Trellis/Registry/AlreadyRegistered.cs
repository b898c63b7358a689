namespace Trellis;

/// <summary>The error of registering a unique key a live process holds: <c>{already_registered, Pid}</c>.</summary>
/// <param name="Pid">The holder.</param>
public sealed record AlreadyRegistered(Pid Pid)
{
    /// <inheritdoc />
    public override string ToString() => Terms.Tuple(new Atom("already_registered"), Pid);
}
