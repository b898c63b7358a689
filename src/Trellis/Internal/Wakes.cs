using System.Diagnostics;

namespace Trellis.Internal;

/// <summary>
/// The hand-over at a self-exit: while a process ends itself, the first waiting process its exit signals wake is
/// collected here instead of being queued, and runs on the same thread once the exit is complete. Only the thread
/// that is ending a process uses it; nesting is bounded, so a chain of exits (a child, its supervisor giving up, that
/// supervisor's parent) runs inline at most <see cref="MaxDepth"/> deep and is queued beyond.
/// </summary>
internal static class Wakes
{
    private const int MaxDepth = 4;

    [ThreadStatic]
    private static int t_depth;

    [ThreadStatic]
    private static bool t_collecting;

    [ThreadStatic]
    private static LocalProcess? t_process;

    [ThreadStatic]
    private static object? t_message;

    /// <summary>Starts collecting for one exit; false when this thread is already as deep as allowed or collecting.</summary>
    public static bool Begin()
    {
        if (t_collecting || t_depth >= MaxDepth)
        {
            return false;
        }

        t_collecting = true;
        return true;
    }

    /// <summary>Takes a wake-up while collecting and none is held yet; false sends it the usual way.</summary>
    public static bool TryCollect(LocalProcess process, object? message)
    {
        if (!t_collecting || t_process is not null)
        {
            return false;
        }

        t_process = process;
        t_message = message;
        return true;
    }

    /// <summary>Ends collecting and runs the collected wake-up, if any, on this thread.</summary>
    public static void RunCollected()
    {
        Debug.Assert(t_collecting, "RunCollected follows a Begin that returned true");
        var process = t_process;
        var message = t_message;
        (t_collecting, t_process, t_message) = (false, null, null);
        if (process is null)
        {
            return;
        }

        t_depth++;
        try
        {
            process.ResumeInlineFromExit(message);
        }
        finally
        {
            t_depth--;
        }
    }
}
