namespace Trellis;

/// <summary>The detail of <c>{error, {Reason, Child}}</c>: <c>start_child</c>'s start function failed with <paramref name="Reason"/>.</summary>
/// <param name="Reason">Why the start failed.</param>
/// <param name="ChildId">The id of the child that was being added.</param>
public sealed record StartChildError(ExitReason Reason, object ChildId)
{
    /// <inheritdoc />
    public override string ToString() => Terms.Tuple(Reason, ChildId);
}
