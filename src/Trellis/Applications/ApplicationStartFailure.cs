namespace Trellis;

/// <summary>
/// Why an application did not start: <c>{Reason, {App, start, [normal, []]}}</c>. The list is the arguments of the
/// application's start callback, whose start type is <c>normal</c> for every ordinary start (takeover and failover are
/// the others); the restart type the application was started with (permanent, transient, temporary) is
/// <paramref name="Type"/>.
/// </summary>
/// <param name="Reason">The top supervisor's start error (<c>ignore</c> when it ignored the start).</param>
/// <param name="Application">The application.</param>
/// <param name="Type">The restart type it was started with.</param>
public sealed record ApplicationStartFailure(ExitReason Reason, string Application, ApplicationStartType Type)
{
    /// <inheritdoc />
    public override string ToString() =>
        Terms.Tuple(Reason, Terms.TupleTerm(new Atom(Application), new Atom("start"), Terms.RawTerm("[normal,[]]")));
}
