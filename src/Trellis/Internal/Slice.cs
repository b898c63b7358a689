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

    /// <summary>Holds an answer of <paramref name="server"/> to the end of its slice; false when it must go now.</summary>
    public static bool TryDefer(LocalProcess server, CallRequest call, object? reply)
    {
        if (!ReferenceEquals(t_process, server) || t_call is not null || !server.LooksIdle)
        {
            return false;
        }

        (t_call, t_reply) = (call, reply);
        return true;
    }
}
