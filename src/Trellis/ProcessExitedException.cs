namespace Trellis;

/// <summary>
/// Thrown inside a process whose life has already ended (it was killed, or an exit signal took it down)
/// when its code next touches the runtime, for instance by receiving. It unwinds code the runtime can no
/// longer stop: in-process code cannot be preempted in .NET.
/// </summary>
public sealed class ProcessExitedException : OperationCanceledException
{
    /// <summary>Creates the exception for a process that exited with <paramref name="reason"/>.</summary>
    /// <param name="reason">The reason the process exited with.</param>
    public ProcessExitedException(ExitReason reason)
        : base("the process has exited: " + reason)
    {
        Reason = reason;
    }

    /// <summary>Creates the exception with reason <c>killed</c>.</summary>
    public ProcessExitedException()
        : this(ExitReason.Killed)
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public ProcessExitedException(string message)
        : base(message)
    {
        Reason = ExitReason.Killed;
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ProcessExitedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = ExitReason.Killed;
    }

    /// <summary>The reason the process exited with.</summary>
    public ExitReason Reason { get; }
}
