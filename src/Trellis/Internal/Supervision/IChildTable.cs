namespace Trellis.Internal;

/// <summary>
/// A supervisor's children and what can be done to them. Two tables implement it: <see cref="StaticChildren"/> (a list
/// in start order: one_for_one, one_for_all, rest_for_one) and <see cref="DynamicChildren"/> (children keyed by pid:
/// simple_one_for_one and DynamicSupervisor). The supervisor picks one at init and never asks which it has.
/// </summary>
internal interface IChildTable
{
    /// <summary>Starts what the table starts with (static children in order, durable children read back).</summary>
    ValueTask<InitResult> InitAsync();

    /// <summary><c>start_child/2</c> with a spec.</summary>
    ValueTask<StartResult> StartChildAsync(ChildSpec spec);

    /// <summary><c>start_child/2</c> with a list of extra arguments (simple_one_for_one).</summary>
    ValueTask<StartResult> StartTemplateChildAsync(IReadOnlyList<object?> extraArguments);

    /// <summary><c>terminate_child/2</c> by id or pid.</summary>
    ValueTask<SupervisorResult> TerminateChildAsync(object key);

    /// <summary><c>restart_child/2</c>.</summary>
    ValueTask<StartResult> RestartChildAsync(object id);

    /// <summary><c>delete_child/2</c>.</summary>
    SupervisorResult DeleteChild(object id);

    /// <summary><c>get_childspec/2</c>; null for not_found.</summary>
    ChildSpec? GetChildSpec(object key);

    /// <summary><c>which_child/2</c>.</summary>
    ChildLookup WhichChild(object key);

    /// <summary><c>which_children/1</c>.</summary>
    IReadOnlyList<ChildInfo> WhichChildren();

    /// <summary><c>count_children/1</c>, in constant time.</summary>
    ChildCounts CountChildren();

    /// <summary>A linked process exited; false when the supervisor must shut down (intensity, auto_shutdown).</summary>
    ValueTask<bool> OnExitAsync(Pid from, ExitReason reason);

    /// <summary>A queued retry of a failed restart; false when the supervisor must shut down.</summary>
    ValueTask<bool> RetryAsync(object key);

    /// <summary>Stops every child (the supervisor is terminating).</summary>
    ValueTask TerminateAllAsync();
}
