namespace Trellis;

/// <summary>
/// An exit signal turned into a message because the receiving process traps exits
/// (Erlang's <c>{'EXIT', From, Reason}</c>).
/// </summary>
/// <param name="From">The process the signal came from (<see cref="Pid.None"/> when sent from outside any process).</param>
/// <param name="Reason">The signal's reason.</param>
public sealed record ExitMessage(Pid From, ExitReason Reason);
