namespace Trellis;

/// <summary>Options of a <see cref="DynamicSupervisor"/>; the defaults are Elixir's (3 restarts in 5 seconds).</summary>
public sealed record DynamicSupervisorOptions
{
    /// <summary>A name to register it under.</summary>
    public string? Name { get; init; }

    /// <summary>A <see cref="Registry"/> name to register it under (<c>name: {:via, Registry, {reg, key}}</c>); not with <see cref="Name"/>.</summary>
    public ViaName? Via { get; init; }

    /// <summary>How many restarts are allowed within <see cref="MaxSeconds"/>.</summary>
    public int MaxRestarts { get; init; } = 3;

    /// <summary>The restart window, a whole number of seconds.</summary>
    public TimeSpan MaxSeconds { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The most children it holds (restarting ones count); null for no limit.</summary>
    public int? MaxChildren { get; init; }

    /// <summary>Arguments put before each child's own start arguments.</summary>
    public IReadOnlyList<object?> ExtraArguments { get; init; } = [];

    /// <summary>
    /// Record the children started with <c>start_child</c> and start them again when this supervisor starts again
    /// (seed 001, 3.3). Null (the default) keeps Elixir's behaviour, where they are lost.
    /// </summary>
    public DurableChildren? Durable { get; init; }
}
