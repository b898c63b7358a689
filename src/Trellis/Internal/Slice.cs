using System.Diagnostics;

namespace Trellis.Internal;

/// <summary>
/// A process's slice: its work item on the thread pool, in which its waiting receive resumes and runs until it waits
/// again. When a server answers a call as the last thing before that wait, the answer is held until the slice ends
/// and the caller's continuation then runs on the same thread, which is free by then: a call costs one thread-pool
/// hop instead of two. Only one answer per slice is held, only by the outermost slice of a thread, and only while the
/// server's mailbox is empty; the caller runs after the server has parked, so neither can block the other.
/// </summary>
internal static class Slice
{
    [ThreadStatic]
    private static LocalProcess? t_process;

    // The server running on its caller's thread (TryRunCallee), while it does: none is nested in another.
    [ThreadStatic]
    private static LocalProcess? t_callee;

    [ThreadStatic]
    private static CallRequest? t_call;

    [ThreadStatic]
    private static object? t_reply;

    /// <summary>Resumes <paramref name="process"/>'s waiting receive with <paramref name="value"/> on this thread, then hands over a held answer.</summary>
    public static void Run(LocalProcess process, object? value)
    {
        var outer = t_process;
        t_process = process;
        try
        {
            process.ResumeHere(value);
        }
        finally
        {
            t_process = outer;
        }

        if (outer is null && t_call is { } call)
        {
            var reply = t_reply;
            (t_call, t_reply) = (null, null);
            call.Deliver(reply, inline: true);
        }
    }

    /// <summary>
    /// Runs <paramref name="server"/>'s waiting receive with <paramref name="call"/> on this thread, its caller's, which
    /// would otherwise only wait for the answer: a call to an idle server then costs no thread-pool hop at all. The
    /// server's code runs in its own execution context (its loop's state machine restores the one it captured), so a
    /// caller's async-local values neither reach it nor come back. Not for a caller with a synchronization context or a
    /// task scheduler of its own (the server's awaits would post to them), never nested, and only for the one message:
    /// the server's loop goes to the thread pool before anything else (<see cref="RunsForCaller"/>). False when the
    /// server must be queued.
    /// </summary>
    public static bool TryRunCallee(LocalProcess server, CallRequest call)
    {
        if (!CanRunCallee)
        {
            return false;
        }

        Debug.Assert(!server.Sync.IsHeldByCurrentThread, "a server runs on its caller's thread outside its lock");
        var outer = t_process;
        (t_process, t_callee) = (server, server);
        try
        {
            server.ResumeHere(call);
        }
        finally
        {
            (t_process, t_callee) = (outer, null);
        }

        return true;
    }

    /// <summary>
    /// Whether a call made on this thread may run its server here (<see cref="TryRunCallee"/>): no server runs here
    /// for its caller already, and the caller has neither a synchronization context nor a task scheduler of its own.
    /// </summary>
    public static bool CanRunCallee =>
        t_callee is null && SynchronizationContext.Current is null && TaskScheduler.Current == TaskScheduler.Default;

    /// <summary>
    /// Whether <paramref name="server"/> runs on the thread of a caller that waits for it (<see cref="TryRunCallee"/>):
    /// its loop then leaves for the thread pool before its next message, continuation or terminate.
    /// </summary>
    public static bool RunsForCaller(LocalProcess server) => ReferenceEquals(t_callee, server) && ReferenceEquals(t_process, server);

    /// <summary>Holds an answer of <paramref name="server"/> to the end of its slice; false when it must go now.</summary>
    public static bool TryDefer(LocalProcess server, CallRequest call, object? reply)
    {
        // Not while a server runs on its caller's thread: that caller runs when the server parks anyway, and nothing
        // would hand over an answer held by a process the server's exit runs there (Wakes).
        if (!ReferenceEquals(t_process, server) || t_call is not null || t_callee is not null || !server.LooksIdle)
        {
            return false;
        }

        (t_call, t_reply) = (call, reply);
        return true;
    }
}
