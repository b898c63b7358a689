namespace Trellis;

/// <summary>
/// A process name held in a <see cref="Registry"/> (Elixir's <c>{:via, Registry, {reg, key, value}}</c>): a GenServer
/// started with <see cref="GenServerOptions.Via"/> registers under <see cref="Key"/> before its init runs, the start fails
/// with <c>{already_started, Pid}</c> when a live process holds the key, and the key is free again the moment its
/// owner exits. Made by <see cref="Registry.Via"/>.
/// </summary>
public sealed record ViaName
{
    internal ViaName(string registry, object key, object? value)
    {
        Registry = registry;
        Key = key;
        Value = value;
    }

    /// <summary>The registry's name.</summary>
    public string Registry { get; }

    /// <summary>The key.</summary>
    public object Key { get; }

    /// <summary>The value stored with the registration.</summary>
    public object? Value { get; }

    /// <inheritdoc />
    public override string ToString() => Terms.Tuple(new Atom("via"), new Atom("Registry"), Terms.TupleTerm(new Atom(Registry), Key, Value));
}
