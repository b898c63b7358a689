namespace Trellis;

/// <summary>Options of a <see cref="TaskSupervisor"/> (Elixir's <c>Task.Supervisor.start_link/1</c>).</summary>
public sealed record TaskSupervisorOptions
{
    /// <summary>A name to register the supervisor under.</summary>
    public string? Name { get; init; }

    /// <summary>Restarts allowed within <see cref="MaxSeconds"/> (for tasks started transient or permanent); 3 by default.</summary>
    public int MaxRestarts { get; init; } = 3;

    /// <summary>The restart intensity window; 5 seconds by default.</summary>
    public TimeSpan MaxSeconds { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The most tasks at once, or null for no limit.</summary>
    public int? MaxChildren { get; init; }

    internal DynamicSupervisorOptions ToDynamic() => new()
    {
        Name = Name,
        MaxRestarts = MaxRestarts,
        MaxSeconds = MaxSeconds,
        MaxChildren = MaxChildren,
    };
}
