namespace Trellis;

/// <summary>
/// An application: a named supervision tree started and stopped as a whole (OTP's <c>.app</c> file plus its callback
/// module).
/// </summary>
public sealed record ApplicationSpec
{
    /// <summary>The application's name.</summary>
    public required string Name { get; init; }

    /// <summary>
    /// Starts the application's top supervisor and returns <c>{ok, Pid}</c> (or an error). Start it unlinked, with
    /// <see cref="Supervisor.StartAsync(Node, IEnumerable{ChildSpec}, SupervisorFlags?, string?, CancellationToken)"/> on
    /// <see cref="ApplicationContext.Node"/>: the controller monitors it.
    /// </summary>
    public required Func<ApplicationContext, ValueTask<StartResult>> Start { get; init; }

    /// <summary>Called before the top supervisor is stopped (<c>prep_stop/1</c>), also after it crashed.</summary>
    public Func<ApplicationContext, ValueTask>? PrepStop { get; init; }

    /// <summary>Called after the top supervisor has stopped (<c>stop/1</c>), also after it crashed.</summary>
    public Func<ApplicationContext, ValueTask>? Stop { get; init; }

    /// <summary>Applications that must be running before this one starts (<c>applications</c>).</summary>
    public IReadOnlyList<string> Dependencies { get; init; } = [];

    /// <summary>The default environment (<c>env</c>); the controller's configuration overrides it.</summary>
    public IReadOnlyDictionary<string, object?> Environment { get; init; } = new Dictionary<string, object?>();

    /// <summary>A one-line description.</summary>
    public string Description { get; init; } = "";

    /// <summary>The version.</summary>
    public string Version { get; init; } = "";
}
