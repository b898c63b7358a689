namespace Trellis;

/// <summary>
/// A child's start function (the <c>start</c> of a child spec): runs inside the supervisor, must start the child
/// linked to <paramref name="supervisor"/> and return <c>{ok, Pid}</c>, <c>ignore</c> or <c>{error, Reason}</c>.
/// </summary>
/// <param name="supervisor">The supervisor's process, to link the child to.</param>
/// <param name="arguments">The spec's arguments, with a dynamic start's extra arguments added.</param>
/// <returns>The start result.</returns>
public delegate ValueTask<StartResult> ChildStart(ProcessContext supervisor, IReadOnlyList<object?> arguments);
