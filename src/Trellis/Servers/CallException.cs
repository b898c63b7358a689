namespace Trellis;

/// <summary>
/// A call did not get its answer: it timed out (<c>timeout</c>), the server was not alive (<c>noproc</c>),
/// or the server exited before answering (its exit reason). Uncaught inside a process, it crashes that process,
/// as a failed <c>gen_server:call</c> exits its caller.
/// </summary>
public sealed class CallException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="server">The server called.</param>
    /// <param name="request">The request sent.</param>
    /// <param name="reason">Why the call failed.</param>
    public CallException(Pid server, object? request, ExitReason reason)
        : base(Describe(server, request, reason))
    {
        Server = server;
        Request = request;
        Reason = reason;
    }

    /// <summary>A call to a server by name failed.</summary>
    internal CallException(string server, object? request, ExitReason reason)
        : base(Describe(server, request, reason))
    {
        Server = Pid.None;
        Request = request;
        Reason = reason;
    }

    /// <summary>Creates the exception with reason <c>noproc</c>.</summary>
    public CallException()
        : this(Pid.None, null, ExitReason.NoProc)
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public CallException(string message)
        : base(message)
    {
        Reason = ExitReason.NoProc;
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public CallException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = ExitReason.FromException(innerException);
    }

    /// <summary>The server called.</summary>
    public Pid Server { get; }

    /// <summary>The request sent.</summary>
    public object? Request { get; }

    /// <summary>Why the call failed: <c>timeout</c>, <c>noproc</c>, or the server's exit reason.</summary>
    public ExitReason Reason { get; }

    private static string Describe(object server, object? request, ExitReason reason)
    {
        var what = reason.IsAtom("timeout") ? "timed out"
            : reason.Kind == ExitReasonKind.NoProc ? "failed: no process (the server is not alive, or no process has that name)"
            : reason.Kind == ExitReasonKind.NoConnection ? "failed: no connection to the server's node"
            : "failed: the server exited with reason " + reason;
        return $"call to {server} with {Terms.Format(request)} {what}";
    }
}
