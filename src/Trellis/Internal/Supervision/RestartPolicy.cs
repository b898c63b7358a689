namespace Trellis.Internal;

/// <summary>
/// Every decision a supervisor makes, as plain functions of values: whether an exited child is restarted, what group
/// restarts with it, whether the intensity still allows a restart, whether auto_shutdown is due, what a stop leaves
/// behind, what a start function's return means, and whether a shutdown ended as the protocol expects. The supervisor
/// process (<see cref="SupervisorServer"/>) and its child tables only carry these decisions out. References are to
/// OTP's <c>lib/stdlib/src/supervisor.erl</c>; docs/semantics.md lists where Trellis differs.
/// </summary>
internal static class RestartPolicy
{
    /// <summary>
    /// The restart type against the exit reason (<c>restart_child/3</c>'s guards): permanent always, transient unless
    /// the reason is <c>normal</c>, <c>shutdown</c> or <c>{shutdown, _}</c>, temporary never.
    /// </summary>
    /// <param name="type">The child's restart type.</param>
    /// <param name="reason">Why it exited.</param>
    /// <returns>True when the child must be restarted.</returns>
    public static bool ShouldRestart(RestartType type, ExitReason reason) => type switch
    {
        RestartType.Permanent => true,
        RestartType.Transient => !reason.IsOrderly,
        _ => false,
    };

    /// <summary>Whether an exit is worth an error report (OTP reports every exit of a child it restarts, and every abnormal one).</summary>
    /// <param name="restarted">Whether the child is restarted.</param>
    /// <param name="reason">Why it exited.</param>
    /// <returns>True to log it as a crash rather than an orderly exit.</returns>
    public static bool IsReportedAsCrash(bool restarted, ExitReason reason) => restarted || !reason.IsOrderly;

    /// <summary>
    /// Whether the restart just recorded is allowed (<c>add_restart/1</c>): the window, counted with OTP's boundary rule,
    /// may hold at most <paramref name="intensity"/> restarts.
    /// </summary>
    /// <param name="restartsInWindow">Restarts in the window, the new one included.</param>
    /// <param name="intensity">MaxR.</param>
    /// <returns>False when the supervisor must give up and exit with <c>shutdown</c>.</returns>
    public static bool IntensityAllows(int restartsInWindow, int intensity) => restartsInWindow <= intensity;

    /// <summary>
    /// The children restarted or stopped together with the child at <paramref name="index"/> of a static supervisor
    /// holding <paramref name="count"/> children in start order: itself (one_for_one), itself and every younger sibling
    /// (rest_for_one), or all (one_for_all).
    /// </summary>
    /// <param name="strategy">The strategy; simple_one_for_one restarts one child, as one_for_one.</param>
    /// <param name="index">The failed child's position in start order.</param>
    /// <param name="count">How many children the supervisor holds.</param>
    /// <returns>The group as a range of positions.</returns>
    public static Range Group(Strategy strategy, int index, int count)
    {
        if ((uint)index >= (uint)count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"a child's position must be within 0..{count - 1}");
        }

        return strategy switch
        {
            Strategy.OneForAll => 0..count,
            Strategy.RestForOne => index..count,
            _ => index..(index + 1),
        };
    }

    /// <summary>What stays of a child that stopped and is not restarted (<c>del_child/2</c>): a temporary child's spec goes.</summary>
    /// <param name="type">Its restart type.</param>
    /// <returns>True when the spec stays, with pid <c>undefined</c>.</returns>
    public static bool KeepsSpec(RestartType type) => type != RestartType.Temporary;

    /// <summary>
    /// Whether the exit of a child that is not restarted makes the supervisor shut itself down (<c>check_auto_shutdown</c>):
    /// only a significant child's exit counts; any_significant shuts down at once, all_significant once no significant
    /// child is left running.
    /// </summary>
    /// <param name="mode">The supervisor's auto_shutdown.</param>
    /// <param name="significant">Whether the child that exited is significant.</param>
    /// <param name="significantStillRunning">Whether another significant child still runs.</param>
    /// <returns>True when the supervisor must exit with <c>shutdown</c>.</returns>
    public static bool AutoShutdownDue(AutoShutdown mode, bool significant, bool significantStillRunning) =>
        significant && mode switch
        {
            AutoShutdown.AnySignificant => true,
            AutoShutdown.AllSignificant => !significantStillRunning,
            _ => false,
        };

    /// <summary>
    /// What a start function's return means (<c>do_start_child_i/3</c>): <c>{ok, Pid}</c> and <c>{ok, Pid, Info}</c> with a
    /// pid, <c>ignore</c>, and <c>{error, Reason}</c> pass; anything else is passed through as the error reason
    /// (<c>What -&gt; {error, What}</c>). In .NET "anything else" is null, or <c>{ok, undefined}</c>.
    /// </summary>
    /// <param name="result">What the start function returned.</param>
    /// <returns>The start result the supervisor acts on.</returns>
    public static StartResult OfStart(StartResult? result) => result switch
    {
        null => StartResult.Fail(Undefined),
        { IsOk: true, Pid.IsNone: true } => StartResult.Fail(ExitReason.Of(new ErrorTerm("ok", new Atom("undefined")))),
        _ => result,
    };

    /// <summary>
    /// Whether a child stopped by the shutdown protocol ended as expected (<c>shutdown/2</c>): <c>killed</c> after
    /// brutal_kill, <c>shutdown</c> otherwise, and any orderly reason from a child that is not permanent. Anything else
    /// is reported as a shutdown error.
    /// </summary>
    /// <param name="type">The child's restart type.</param>
    /// <param name="reason">The reason its DOWN carried.</param>
    /// <param name="brutal">Whether it was stopped with <c>kill</c> from the start.</param>
    /// <returns>True when nothing needs reporting.</returns>
    public static bool IsExpectedShutdownReason(RestartType type, ExitReason reason, bool brutal)
    {
        if (brutal ? reason.Kind == ExitReasonKind.Killed : (reason.IsShutdown && reason.Detail is null))
        {
            return true;
        }

        return type != RestartType.Permanent && reason.IsOrderly;
    }

    /// <summary>A start function that returned nothing: Erlang's <c>undefined</c>.</summary>
    public static ExitReason Undefined { get; } = ExitReason.Atom("undefined");
}
