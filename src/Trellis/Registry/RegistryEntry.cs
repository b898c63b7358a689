namespace Trellis;

/// <summary>One registration: the process that registered and the value it gave (<c>{pid, value}</c>).</summary>
/// <param name="Pid">The registered process.</param>
/// <param name="Value">Its value.</param>
public readonly record struct RegistryEntry(Pid Pid, object? Value)
{
    /// <inheritdoc />
    public override string ToString() => Terms.Tuple(Pid, Value);
}
