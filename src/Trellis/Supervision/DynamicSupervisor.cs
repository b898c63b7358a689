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
    /// <returns>The start result.</returns>
    public static ValueTask<StartResult> StartLinkAsync(ProcessContext parent, DynamicSupervisorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(parent);
        options ??= new DynamicSupervisorOptions();
        return SupervisorServer.StartAsync((LocalProcess)parent, parent.Node, SupervisorConfig.Dynamic(options), options.Name);
    }

    /// <summary>Starts a root dynamic supervisor; the node stops it when disposed.</summary>
    /// <param name="node">The node.</param>
    /// <param name="options">Name, intensity, max children, extra arguments.</param>
    /// <returns>The start result.</returns>
    public static ValueTask<StartResult> StartAsync(Node node, DynamicSupervisorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        options ??= new DynamicSupervisorOptions();
        return SupervisorServer.StartAsync(null, node, SupervisorConfig.Dynamic(options), options.Name);
    }

    /// <summary>Starts a child from <paramref name="spec"/> (its id is ignored), with the extra arguments put first.</summary>
    /// <param name="supervisor">The supervisor.</param>
    /// <param name="spec">The child.</param>
    /// <returns><c>{ok, Pid}</c>, <c>ignore</c>, <c>{error, max_children}</c>, a validation error, or the start's error.</returns>
    public static async ValueTask<StartResult> StartChildAsync(Pid supervisor, ChildSpec spec) =>
        (StartResult)(await Supervisor.Call(supervisor, new SupervisorCall.StartChild(spec)).ConfigureAwait(false))!;

    /// <summary>Stops a child by pid; it is not restarted.</summary>
    /// <param name="supervisor">The supervisor.</param>
    /// <param name="child">The child's pid.</param>
    /// <returns><c>ok</c>, or <c>{error, not_found}</c> for a pid that is not a child (dead ones included).</returns>
    public static async ValueTask<SupervisorResult> TerminateChildAsync(Pid supervisor, Pid child) =>
        (SupervisorResult)(await Supervisor.Call(supervisor, new SupervisorCall.TerminateChild(child)).ConfigureAwait(false))!;

    /// <summary>The children (id <c>undefined</c>).</summary>
    /// <param name="supervisor">The supervisor.</param>
    /// <returns>The children.</returns>
    public static ValueTask<IReadOnlyList<ChildInfo>> WhichChildrenAsync(Pid supervisor) => Supervisor.WhichChildrenAsync(supervisor);

    /// <summary>The counts, in constant time: specs is the number of children.</summary>
    /// <param name="supervisor">The supervisor.</param>
    /// <returns>The counts.</returns>
    public static ValueTask<ChildCounts> CountChildrenAsync(Pid supervisor) => Supervisor.CountChildrenAsync(supervisor);

    /// <summary>Stops the supervisor and, in parallel, its children.</summary>
    /// <param name="supervisor">The supervisor.</param>
    /// <param name="reason">The reason; <c>normal</c> by default.</param>
    /// <param name="timeout">How long to wait; for ever by default.</param>
    /// <returns>The reason it exited with.</returns>
    public static Task<ExitReason> StopAsync(Pid supervisor, ExitReason? reason = null, TimeSpan? timeout = null) =>
        GenServer.StopAsync(supervisor, reason, timeout);
}
