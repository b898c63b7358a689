namespace Trellis;

/// <summary>
/// The exit reason of a caller whose <see cref="SupervisedTask.AwaitAsync"/> failed:
/// <c>{Reason, {Task, await, [Task, Timeout]}}</c>, where Reason is the task's exit reason or <c>timeout</c>.
/// </summary>
/// <param name="Reason">Why the await failed.</param>
/// <param name="Task">The task awaited.</param>
/// <param name="Timeout">The await's timeout.</param>
public sealed record TaskAwaitExit(ExitReason Reason, SupervisedTask Task, TimeSpan Timeout)
{
    /// <inheritdoc />
    public override string ToString() =>
        Terms.Tuple(Reason, Terms.TupleTerm(new Atom("Task"), new Atom("await"), new object[]
        {
            Terms.RawTerm(Task.ToString()),
            Timeout == System.Threading.Timeout.InfiniteTimeSpan ? new Atom("infinity") : (long)Timeout.TotalMilliseconds,
        }));
}
