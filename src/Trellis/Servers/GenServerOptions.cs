namespace Trellis;

/// <summary>Options of a <see cref="GenServer"/> or <see cref="Agent"/> start.</summary>
public sealed class GenServerOptions
{
    /// <summary>A name to register the server under; a name already taken fails the start with <c>{already_started, Pid}</c>.</summary>
    public string? Name { get; init; }

    /// <summary>A name in a <see cref="Registry"/> (<see cref="Registry.Via"/>); set at most one of <see cref="Name"/> and this.</summary>
    public ViaName? Via { get; init; }

    /// <summary>How long <see cref="GenServer.Init"/> may take before the start fails with <c>timeout</c> and the server is killed. Infinite by default.</summary>
    public TimeSpan StartTimeout { get; init; } = Timeout.InfiniteTimeSpan;
}
