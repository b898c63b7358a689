namespace Trellis;

/// <summary>
/// A symbolic constant, the counterpart of an Erlang atom such as <c>not_found</c> or <c>timeout</c>.
/// Atoms appear inside <see cref="ExitReason"/> values and error results.
/// </summary>
/// <param name="Name">The atom's text.</param>
public readonly record struct Atom(string Name)
{
    /// <inheritdoc />
    public override string ToString() => Name;
}
