namespace Trellis;

/// <summary>Why an application did not start: <c>{Reason, {App, start, [Type, []]}}</c>.</summary>
/// <param name="Reason">The top supervisor's start error (<c>ignore</c> when it ignored the start).</param>
/// <param name="Application">The application.</param>
/// <param name="Type">The start type it was started with.</param>
public sealed record ApplicationStartFailure(ExitReason Reason, string Application, ApplicationStartType Type)
{
    /// <inheritdoc />
    public override string ToString() =>
        Terms.Tuple(Reason, Terms.TupleTerm(new Atom(Application), new Atom("start"), Terms.RawTerm($"[{Type.ToString().ToLowerInvariant()},[]]")));
}
