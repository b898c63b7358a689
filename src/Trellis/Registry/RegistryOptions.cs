namespace Trellis;

/// <summary>Options of <see cref="Registry.StartLinkAsync"/> (Elixir's <c>Registry.start_link/1</c>).</summary>
public sealed record RegistryOptions
{
    /// <summary>The registry's name: the name of its supervisor and the first argument of every registry function.</summary>
    public required string Name { get; init; }

    /// <summary>Unique or duplicate keys.</summary>
    public RegistryKeys Keys { get; init; } = RegistryKeys.Unique;

    /// <summary>
    /// The number of partitions, each a process of its own with its own tables: unique keys are spread by key, duplicate
    /// keys by the registering process. More partitions let more cores register at once. Defaults to 1.
    /// </summary>
    public int Partitions { get; init; } = 1;

    /// <summary>
    /// Registered names of processes told of every register (<see cref="RegistryRegistered"/>) and unregister
    /// (<see cref="RegistryUnregistered"/>). A process's death does not produce an unregister event, as in Elixir.
    /// </summary>
    public IReadOnlyList<string> Listeners { get; init; } = [];

    /// <summary>Registry metadata, read with <see cref="Registry.Meta"/> and written with <see cref="Registry.PutMeta"/>.</summary>
    public IReadOnlyDictionary<object, object?> Meta { get; init; } = new Dictionary<object, object?>();
}
