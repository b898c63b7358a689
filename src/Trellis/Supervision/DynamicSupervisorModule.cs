namespace Trellis;

/// <summary>
/// A DynamicSupervisor defined by a callback (Elixir's <c>use DynamicSupervisor</c> with <c>init/1</c>): override
/// <see cref="Init"/> to return its options, or <see cref="DynamicSupervisorInit.Ignore"/>.
/// </summary>
public abstract class DynamicSupervisorModule
{
    /// <summary>
    /// Runs in the new supervisor and returns its options (<c>DynamicSupervisor.init/1</c>'s flags). Their
    /// <see cref="DynamicSupervisorOptions.Name"/> and <see cref="DynamicSupervisorOptions.Via"/> are not read: the name
    /// is given to the start call. Returning null is a bad return: the start fails with
    /// <c>{bad_return, {Module, init, undefined}}</c>.
    /// </summary>
    /// <param name="argument">The start argument.</param>
    /// <returns>The options, or ignore.</returns>
    public abstract DynamicSupervisorInit? Init(object? argument);
}

/// <summary>What <see cref="DynamicSupervisorModule.Init"/> returns: <c>{:ok, flags}</c> or <c>:ignore</c>.</summary>
public sealed class DynamicSupervisorInit
{
    private DynamicSupervisorInit(DynamicSupervisorOptions? options) => Options = options;

    /// <summary><c>:ignore</c>: the start returns ignore and nothing runs.</summary>
    public static DynamicSupervisorInit Ignore { get; } = new(null);

    /// <summary>The options; null for ignore.</summary>
    public DynamicSupervisorOptions? Options { get; }

    /// <summary><c>{:ok, flags}</c>.</summary>
    /// <param name="options">Intensity, max children, extra arguments, durable children.</param>
    /// <returns>The answer.</returns>
    public static DynamicSupervisorInit Ok(DynamicSupervisorOptions options) => new(options ?? throw new ArgumentNullException(nameof(options)));
}
