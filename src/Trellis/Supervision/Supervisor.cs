using Trellis.Internal;

namespace Trellis;

/// <summary>
/// Supervisors (Erlang's <c>supervisor</c>, Elixir's <c>Supervisor</c>): start a tree, add, stop, restart and remove
/// children, and look at them. Every call returns a value, as OTP's calls do; calling a supervisor that is not alive
/// throws <see cref="CallException"/> with <c>noproc</c>, as the OTP caller exits.
/// </summary>
public static class Supervisor
{
    /// <summary>Starts a supervisor linked to <paramref name="parent"/> with these children, and returns once all have started.</summary>
    /// <param name="parent">The starting process.</param>
    /// <param name="children">The children, in start order.</param>
    /// <param name="flags">Strategy, intensity, period, auto shutdown; Erlang's defaults when null.</param>
    /// <param name="name">A name to register it under.</param>
    /// <param name="cancellationToken">Stops waiting for the start: the starting process is killed and the call throws <see cref="OperationCanceledException"/>.</param>
    /// <returns><c>{ok, Pid}</c>, or <c>{error, Reason}</c> such as <c>{shutdown, {failed_to_start_child, Id, R}}</c>.</returns>
    public static ValueTask<StartResult> StartLinkAsync(ProcessContext parent, IEnumerable<ChildSpec> children, SupervisorFlags? flags = null, string? name = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parent);
        ArgumentNullException.ThrowIfNull(children);
        return SupervisorServer.StartAsync((LocalProcess)parent, parent.Node, SupervisorConfig.Static(flags ?? new SupervisorFlags(), children.ToList()), Registration(name), cancellationToken);
    }

    /// <summary>Starts a supervisor linked to <paramref name="parent"/> from a callback module.</summary>
    /// <param name="parent">The starting process.</param>
    /// <param name="module">The callback; its <see cref="SupervisorModule.Init"/> runs in the new supervisor.</param>
    /// <param name="argument">The argument for init.</param>
    /// <param name="name">A name to register it under.</param>
    /// <param name="cancellationToken">Stops waiting for the start: the starting process is killed and the call throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The start result; <c>ignore</c> when init returns ignore.</returns>
    public static ValueTask<StartResult> StartLinkAsync(ProcessContext parent, SupervisorModule module, object? argument = null, string? name = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parent);
        ArgumentNullException.ThrowIfNull(module);
        return SupervisorServer.StartAsync((LocalProcess)parent, parent.Node, SupervisorConfig.FromModule(module, argument), Registration(name), cancellationToken);
    }

    /// <summary>Starts a root supervisor that no process owns; the node stops it when disposed.</summary>
    /// <param name="node">The node.</param>
    /// <param name="children">The children, in start order.</param>
    /// <param name="flags">Flags; Erlang's defaults when null.</param>
    /// <param name="name">A name to register it under.</param>
    /// <param name="cancellationToken">Stops waiting for the start: the starting process is killed and the call throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The start result.</returns>
    public static ValueTask<StartResult> StartAsync(Node node, IEnumerable<ChildSpec> children, SupervisorFlags? flags = null, string? name = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(children);
        return SupervisorServer.StartAsync(null, node, SupervisorConfig.Static(flags ?? new SupervisorFlags(), children.ToList()), Registration(name), cancellationToken);
    }

    /// <summary>Starts a root supervisor from a callback module.</summary>
    /// <param name="node">The node.</param>
    /// <param name="module">The callback.</param>
    /// <param name="argument">The argument for init.</param>
    /// <param name="name">A name to register it under.</param>
    /// <param name="cancellationToken">Stops waiting for the start: the starting process is killed and the call throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The start result.</returns>
    public static ValueTask<StartResult> StartAsync(Node node, SupervisorModule module, object? argument = null, string? name = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(module);
        return SupervisorServer.StartAsync(null, node, SupervisorConfig.FromModule(module, argument), Registration(name), cancellationToken);
    }

    /// <summary>Adds a child and starts it; it goes last in the start order (<c>start_child/2</c>).</summary>
    /// <param name="supervisor">The supervisor.</param>
    /// <param name="spec">The child.</param>
    /// <param name="cancellationToken">Stops waiting for the answer (the supervisor still does what was asked).</param>
    /// <returns><c>{ok, Pid}</c>; <c>{ok, undefined}</c> for ignore; <c>{error, already_present}</c>, <c>{error, {already_started, Pid}}</c>, a validation error, or <c>{error, {Reason, Id}}</c>.</returns>
    public static async ValueTask<StartResult> StartChildAsync(Pid supervisor, ChildSpec spec, CancellationToken cancellationToken = default) =>
        (StartResult)(await Call(supervisor, new SupervisorCall.StartChild(spec), cancellationToken).ConfigureAwait(false))!;

    /// <summary>Starts a child of a simple_one_for_one supervisor from its template, with <paramref name="extraArguments"/> appended to the template's.</summary>
    /// <param name="supervisor">The supervisor.</param>
    /// <param name="extraArguments">Arguments added after the template's.</param>
    /// <param name="cancellationToken">Stops waiting for the answer.</param>
    /// <returns><c>{ok, Pid}</c>, <c>{ok, undefined}</c> for ignore, or the start's error unwrapped.</returns>
    public static async ValueTask<StartResult> StartChildAsync(Pid supervisor, IReadOnlyList<object?> extraArguments, CancellationToken cancellationToken = default) =>
        (StartResult)(await Call(supervisor, new SupervisorCall.StartTemplateChild(extraArguments ?? []), cancellationToken).ConfigureAwait(false))!;

    /// <summary>Stops a child by id (a pid for simple_one_for_one). Its spec stays unless it is temporary; it is not restarted.</summary>
    /// <param name="supervisor">The supervisor.</param>
    /// <param name="idOrPid">The child's id, or its pid under simple_one_for_one.</param>
    /// <param name="cancellationToken">Stops waiting for the answer.</param>
    /// <returns><c>ok</c>, <c>{error, not_found}</c> or <c>{error, simple_one_for_one}</c>.</returns>
    public static async ValueTask<SupervisorResult> TerminateChildAsync(Pid supervisor, object idOrPid, CancellationToken cancellationToken = default) =>
        (SupervisorResult)(await Call(supervisor, new SupervisorCall.TerminateChild(idOrPid), cancellationToken).ConfigureAwait(false))!;

    /// <summary>Starts a stopped child again from its spec (<c>restart_child/2</c>); does not count toward intensity.</summary>
    /// <param name="supervisor">The supervisor.</param>
    /// <param name="id">The child's id.</param>
    /// <param name="cancellationToken">Stops waiting for the answer.</param>
    /// <returns><c>{ok, Pid}</c>, <c>{error, running}</c>, <c>{error, restarting}</c>, <c>{error, not_found}</c>, <c>{error, simple_one_for_one}</c>, or the start's error.</returns>
    public static async ValueTask<StartResult> RestartChildAsync(Pid supervisor, object id, CancellationToken cancellationToken = default) =>
        (StartResult)(await Call(supervisor, new SupervisorCall.RestartChild(id), cancellationToken).ConfigureAwait(false))!;

    /// <summary>Removes the spec of a stopped child (<c>delete_child/2</c>).</summary>
    /// <param name="supervisor">The supervisor.</param>
    /// <param name="id">The child's id.</param>
    /// <param name="cancellationToken">Stops waiting for the answer.</param>
    /// <returns><c>ok</c>, <c>{error, running}</c>, <c>{error, restarting}</c>, <c>{error, not_found}</c> or <c>{error, simple_one_for_one}</c>.</returns>
    public static async ValueTask<SupervisorResult> DeleteChildAsync(Pid supervisor, object id, CancellationToken cancellationToken = default) =>
        (SupervisorResult)(await Call(supervisor, new SupervisorCall.DeleteChild(id), cancellationToken).ConfigureAwait(false))!;

    /// <summary>The children, newest first, as <c>which_children/1</c> lists them.</summary>
    /// <param name="supervisor">The supervisor.</param>
    /// <param name="cancellationToken">Stops waiting for the answer.</param>
    /// <returns>The children.</returns>
    public static async ValueTask<IReadOnlyList<ChildInfo>> WhichChildrenAsync(Pid supervisor, CancellationToken cancellationToken = default) =>
        (IReadOnlyList<ChildInfo>)(await Call(supervisor, SupervisorCall.WhichChildren.Instance, cancellationToken).ConfigureAwait(false))!;

    /// <summary>The counts of <c>count_children/1</c>.</summary>
    /// <param name="supervisor">The supervisor.</param>
    /// <param name="cancellationToken">Stops waiting for the answer.</param>
    /// <returns>Specs, active, supervisors, workers.</returns>
    public static async ValueTask<ChildCounts> CountChildrenAsync(Pid supervisor, CancellationToken cancellationToken = default) =>
        (ChildCounts)(await Call(supervisor, SupervisorCall.CountChildren.Instance, cancellationToken).ConfigureAwait(false))!;

    /// <summary>A child's spec (<c>get_childspec/2</c>); for simple_one_for_one pass a child pid and get the template.</summary>
    /// <param name="supervisor">The supervisor.</param>
    /// <param name="idOrPid">The child's id, or a child pid under simple_one_for_one.</param>
    /// <param name="cancellationToken">Stops waiting for the answer.</param>
    /// <returns>The spec, or null for <c>{error, not_found}</c>.</returns>
    public static async ValueTask<ChildSpec?> GetChildSpecAsync(Pid supervisor, object idOrPid, CancellationToken cancellationToken = default) =>
        (ChildSpec?)await Call(supervisor, new SupervisorCall.GetChildSpec(idOrPid), cancellationToken).ConfigureAwait(false);

    /// <summary>One child by id, or by pid under simple_one_for_one (<c>which_child/2</c>).</summary>
    /// <param name="supervisor">The supervisor.</param>
    /// <param name="idOrPid">The child's id, or a child pid under simple_one_for_one and DynamicSupervisor.</param>
    /// <param name="cancellationToken">Stops waiting for the answer.</param>
    /// <returns>The child, or <c>{error, not_found}</c>; <c>{error, simple_one_for_one}</c> for an id that is not a pid there.</returns>
    public static async ValueTask<ChildLookup> WhichChildAsync(Pid supervisor, object idOrPid, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(idOrPid);
        return (ChildLookup)(await Call(supervisor, new SupervisorCall.WhichChild(idOrPid), cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Validates specs without starting anything (<c>check_childspecs/2</c>).</summary>
    /// <param name="specs">The specs.</param>
    /// <param name="autoShutdown">The auto shutdown to check significant children against; null skips that check.</param>
    /// <returns><c>ok</c> or the first error, such as <c>{duplicate_child_name, Id}</c> or <c>missing_start</c>.</returns>
    public static SupervisorResult CheckChildSpecs(IEnumerable<ChildSpec> specs, AutoShutdown? autoShutdown = null) =>
        SpecValidator.CheckAll(specs, autoShutdown) is { } error ? SupervisorResult.Fail(error) : SupervisorResult.Ok;

    /// <summary>Stops the supervisor: its children are stopped in reverse start order, then it exits with <paramref name="reason"/>.</summary>
    /// <param name="supervisor">The supervisor.</param>
    /// <param name="reason">The reason; <c>normal</c> by default.</param>
    /// <param name="timeout">How long to wait; for ever by default.</param>
    /// <returns>The reason it exited with.</returns>
    public static Task<ExitReason> StopAsync(Pid supervisor, ExitReason? reason = null, TimeSpan? timeout = null) =>
        GenServer.StopAsync(supervisor, reason, timeout);

    internal static ValueTask<object?> Call(Pid supervisor, SupervisorCall request, CancellationToken cancellationToken) =>
        GenServer.CallAsync(supervisor, request, Timeout.InfiniteTimeSpan, cancellationToken);

    internal static GenServerOptions? Registration(string? name) => name is null ? null : new GenServerOptions { Name = name };
}
