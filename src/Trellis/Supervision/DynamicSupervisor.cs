using Trellis.Internal;

namespace Trellis;

/// <summary>
/// A supervisor that starts with no children and takes them one at a time, each with its own spec (Elixir's
/// <c>DynamicSupervisor</c>). Children are one_for_one, keyed by pid, and stopped in parallel.
/// </summary>
public static class DynamicSupervisor
{
    /// <summary>Starts a dynamic supervisor linked to <paramref name="parent"/>.</summary>
    /// <param name="parent">The starting process.</param>
    /// <param name="options">Name, intensity, max children, extra arguments.</param>
    /// <param name="cancellationToken">Stops waiting for the start: the starting process is killed and the call throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The start result.</returns>
    public static ValueTask<StartResult> StartLinkAsync(ProcessContext parent, DynamicSupervisorOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parent);
        options ??= new DynamicSupervisorOptions();
        return SupervisorServer.StartAsync((LocalProcess)parent, parent.Node, SupervisorConfig.OfDynamic(options), Registration(options), cancellationToken);
    }

    /// <summary>Starts a dynamic supervisor linked to <paramref name="parent"/> from a callback module (<c>DynamicSupervisor.start_link(Module, arg, opts)</c>).</summary>
    /// <param name="parent">The starting process.</param>
    /// <param name="module">The callback; its <see cref="DynamicSupervisorModule.Init"/> runs in the new supervisor.</param>
    /// <param name="argument">The argument for init.</param>
    /// <param name="registration">A name or a via name to register it under.</param>
    /// <param name="cancellationToken">Stops waiting for the start: the starting process is killed and the call throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The start result: <c>ignore</c> when init returns ignore, <c>{error, {bad_return, {Module, init, Value}}}</c> for a bad value.</returns>
    public static ValueTask<StartResult> StartLinkAsync(ProcessContext parent, DynamicSupervisorModule module, object? argument = null, GenServerOptions? registration = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parent);
        ArgumentNullException.ThrowIfNull(module);
        return SupervisorServer.StartAsync((LocalProcess)parent, parent.Node, SupervisorConfig.OfDynamic(module, argument), registration, cancellationToken);
    }

    /// <summary>Starts a root dynamic supervisor from a callback module; the node stops it when disposed.</summary>
    /// <param name="node">The node.</param>
    /// <param name="module">The callback.</param>
    /// <param name="argument">The argument for init.</param>
    /// <param name="registration">A name or a via name to register it under.</param>
    /// <param name="cancellationToken">Stops waiting for the start: the starting process is killed and the call throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The start result.</returns>
    public static ValueTask<StartResult> StartAsync(Node node, DynamicSupervisorModule module, object? argument = null, GenServerOptions? registration = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(module);
        return SupervisorServer.StartAsync(null, node, SupervisorConfig.OfDynamic(module, argument), registration, cancellationToken);
    }

    /// <summary>Starts a root dynamic supervisor; the node stops it when disposed.</summary>
    /// <param name="node">The node.</param>
    /// <param name="options">Name, intensity, max children, extra arguments.</param>
    /// <param name="cancellationToken">Stops waiting for the start: the starting process is killed and the call throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The start result.</returns>
    public static ValueTask<StartResult> StartAsync(Node node, DynamicSupervisorOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        options ??= new DynamicSupervisorOptions();
        return SupervisorServer.StartAsync(null, node, SupervisorConfig.OfDynamic(options), Registration(options), cancellationToken);
    }

    /// <summary>Starts a child from <paramref name="spec"/> (its id is ignored), with the extra arguments put first.</summary>
    /// <param name="supervisor">The supervisor.</param>
    /// <param name="spec">The child.</param>
    /// <param name="cancellationToken">Stops waiting for the answer (the supervisor still does what was asked).</param>
    /// <returns>
    /// <c>{ok, Pid}</c>, <c>ignore</c>, <c>{error, max_children}</c>, a validation error, or the start's error. The spec
    /// is checked before the supervisor is called, as Elixir does, so an invalid spec gets its error even when the
    /// supervisor is not alive.
    /// </returns>
    public static async ValueTask<StartResult> StartChildAsync(Pid supervisor, ChildSpec spec, CancellationToken cancellationToken = default)
    {
        if (DynamicChildren.CheckChild(spec) is { } invalid)
        {
            return StartResult.Fail(invalid);
        }

        return (StartResult)(await Supervisor.Call(supervisor, new SupervisorCall.StartChild(spec), cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Stops a child by pid; it is not restarted.</summary>
    /// <param name="supervisor">The supervisor.</param>
    /// <param name="child">The child's pid.</param>
    /// <param name="cancellationToken">Stops waiting for the answer.</param>
    /// <returns><c>ok</c>, or <c>{error, not_found}</c> for a pid that is not a child (dead ones included).</returns>
    public static async ValueTask<SupervisorResult> TerminateChildAsync(Pid supervisor, Pid child, CancellationToken cancellationToken = default) =>
        (SupervisorResult)(await Supervisor.Call(supervisor, new SupervisorCall.TerminateChild(child), cancellationToken).ConfigureAwait(false))!;

    /// <summary>The children (id <c>undefined</c>).</summary>
    /// <param name="supervisor">The supervisor.</param>
    /// <param name="cancellationToken">Stops waiting for the answer.</param>
    /// <returns>The children.</returns>
    public static ValueTask<IReadOnlyList<ChildInfo>> WhichChildrenAsync(Pid supervisor, CancellationToken cancellationToken = default) =>
        Supervisor.WhichChildrenAsync(supervisor, cancellationToken);

    /// <summary>The counts, in constant time: specs is the number of children.</summary>
    /// <param name="supervisor">The supervisor.</param>
    /// <param name="cancellationToken">Stops waiting for the answer.</param>
    /// <returns>The counts.</returns>
    public static ValueTask<ChildCounts> CountChildrenAsync(Pid supervisor, CancellationToken cancellationToken = default) =>
        Supervisor.CountChildrenAsync(supervisor, cancellationToken);

    /// <summary>Stops the supervisor and, in parallel, its children.</summary>
    /// <param name="supervisor">The supervisor.</param>
    /// <param name="reason">The reason; <c>normal</c> by default.</param>
    /// <param name="timeout">How long to wait; for ever by default.</param>
    /// <returns>The reason it exited with.</returns>
    public static Task<ExitReason> StopAsync(Pid supervisor, ExitReason? reason = null, TimeSpan? timeout = null) =>
        GenServer.StopAsync(supervisor, reason, timeout);

    private static GenServerOptions? Registration(DynamicSupervisorOptions options) =>
        options.Name is null && options.Via is null ? null : new GenServerOptions { Name = options.Name, Via = options.Via };
}
