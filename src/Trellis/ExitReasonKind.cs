namespace Trellis;

/// <summary>The shape of an <see cref="ExitReason"/>.</summary>
public enum ExitReasonKind
{
    /// <summary><c>normal</c>: a clean exit.</summary>
    Normal,

    /// <summary><c>shutdown</c> or <c>{shutdown, Detail}</c>: an orderly shutdown.</summary>
    Shutdown,

    /// <summary><c>killed</c>: the process was terminated by an untrappable kill signal.</summary>
    Killed,

    /// <summary><c>kill</c>: the kill signal's reason. Sent with <see cref="ProcessContext.Exit(Pid, ExitReason)"/> it is untrappable; arriving over a link it is an ordinary reason.</summary>
    Kill,

    /// <summary><c>noproc</c>: the target process does not exist.</summary>
    NoProc,

    /// <summary><c>noconnection</c>: the node of the target went away.</summary>
    NoConnection,

    /// <summary>An exception escaped the process: a crash.</summary>
    Exception,

    /// <summary>An operating-system program exited with a non-zero exit code.</summary>
    ExitCode,

    /// <summary>An operating-system program was terminated by a signal.</summary>
    Signal,

    /// <summary>Any other value (an atom, a record, a string).</summary>
    Term,
}
