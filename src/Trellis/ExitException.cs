namespace Trellis;

/// <summary>
/// Thrown to exit the current process with a chosen reason, as Erlang's <c>exit(Reason)</c>:
/// the process ends with <see cref="Reason"/>, not with a crash.
/// </summary>
public class ExitException : Exception
{
    /// <summary>Creates an exit with <paramref name="reason"/>.</summary>
    /// <param name="reason">The reason the process exits with.</param>
    public ExitException(ExitReason reason)
        : base("process exit: " + reason)
    {
        Reason = reason ?? throw new ArgumentNullException(nameof(reason));
    }

    /// <summary>Creates an exit with <paramref name="reason"/> and a message.</summary>
    /// <param name="reason">The reason the process exits with.</param>
    /// <param name="message">The message.</param>
    public ExitException(ExitReason reason, string message)
        : base(message)
    {
        Reason = reason ?? throw new ArgumentNullException(nameof(reason));
    }

    /// <summary>Creates an exit with reason <c>normal</c>.</summary>
    public ExitException()
        : this(ExitReason.Normal)
    {
    }

    /// <summary>Creates an exit with a term reason holding <paramref name="message"/>.</summary>
    /// <param name="message">The reason's text.</param>
    public ExitException(string message)
        : this(ExitReason.Of(message), message)
    {
    }

    /// <summary>Creates an exit wrapping <paramref name="innerException"/> as a crash.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The crash.</param>
    public ExitException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = ExitReason.FromException(innerException);
    }

    /// <summary>The reason the process exits with.</summary>
    public ExitReason Reason { get; }
}
