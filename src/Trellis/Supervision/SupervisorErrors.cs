namespace Trellis;

/// <summary>The error reasons supervisor calls return, as values to compare against.</summary>
public static class SupervisorErrors
{
    /// <summary><c>not_found</c>: no child with that id (or pid).</summary>
    public static ExitReason NotFound { get; } = ExitReason.Atom("not_found");

    /// <summary><c>running</c>: the child is running.</summary>
    public static ExitReason Running { get; } = ExitReason.Atom("running");

    /// <summary><c>restarting</c>: the child is between failed restart attempts.</summary>
    public static ExitReason Restarting { get; } = ExitReason.Atom("restarting");

    /// <summary><c>already_present</c>: a child with that id exists but is not running.</summary>
    public static ExitReason AlreadyPresent { get; } = ExitReason.Atom("already_present");

    /// <summary><c>simple_one_for_one</c>: the call does not apply to a simple_one_for_one supervisor.</summary>
    public static ExitReason SimpleOneForOne { get; } = ExitReason.Atom("simple_one_for_one");

    /// <summary><c>max_children</c>: a dynamic supervisor is full.</summary>
    public static ExitReason MaxChildren { get; } = ExitReason.Atom("max_children");

    /// <summary><c>{already_started, Pid}</c>.</summary>
    /// <param name="pid">The running child.</param>
    /// <returns>The reason.</returns>
    public static ExitReason AlreadyStarted(Pid pid) => ExitReason.Of(new AlreadyStarted(pid));

    /// <summary><c>{shutdown, {failed_to_start_child, Id, Reason}}</c>: a supervisor's init could not start a child.</summary>
    /// <param name="id">The child's id.</param>
    /// <param name="reason">Why its start failed.</param>
    /// <returns>The reason.</returns>
    public static ExitReason FailedToStartChild(object id, ExitReason reason) =>
        ExitReason.ShutdownWith(new ErrorTerm("failed_to_start_child", id, reason));

    /// <summary><c>{bad_return, {Module, init, Value}}</c>: a callback module's init returned something it may not.</summary>
    internal static ExitReason BadReturn(object module, object? value) =>
        Term("bad_return", Terms.TupleTerm(new Atom(module.GetType().Name), new Atom("init"), value ?? new Atom("undefined")));

    internal static ExitReason Term(string tag, params object?[] values) => ExitReason.Of(new ErrorTerm(tag, values));
}
