using System.Globalization;

namespace Trellis;

/// <summary>
/// Why a process exited, or why an operation failed: a value, as in Erlang, never an exception.
/// Supervisors decide restarts by matching on <see cref="IsNormal"/>, <see cref="IsShutdown"/> and <see cref="IsOrderly"/>.
/// </summary>
/// <remarks>Reasons compare by value: <c>ExitReason.Shutdown == ExitReason.Shutdown</c>, and two terms are equal when their details are equal.</remarks>
public sealed class ExitReason : IEquatable<ExitReason>
{
    private ExitReason(ExitReasonKind kind, object? detail = null, Exception? exception = null, int code = 0, bool coreDumped = false)
    {
        Kind = kind;
        Detail = detail;
        Exception = exception;
        Code = code;
        CoreDumped = coreDumped;
    }

    /// <summary><c>normal</c>.</summary>
    public static ExitReason Normal { get; } = new(ExitReasonKind.Normal);

    /// <summary><c>shutdown</c>.</summary>
    public static ExitReason Shutdown { get; } = new(ExitReasonKind.Shutdown);

    /// <summary><c>killed</c>.</summary>
    public static ExitReason Killed { get; } = new(ExitReasonKind.Killed);

    /// <summary><c>kill</c>: the untrappable signal when sent directly with <see cref="ProcessContext.Exit(Pid, ExitReason)"/>.</summary>
    public static ExitReason Kill { get; } = new(ExitReasonKind.Kill);

    /// <summary><c>noproc</c>.</summary>
    public static ExitReason NoProc { get; } = new(ExitReasonKind.NoProc);

    /// <summary><c>noconnection</c>.</summary>
    public static ExitReason NoConnection { get; } = new(ExitReasonKind.NoConnection);

    /// <summary><c>timeout</c>: a call or a wait ran out of time.</summary>
    public static ExitReason Timeout { get; } = Atom("timeout");

    /// <summary>The kind of reason.</summary>
    public ExitReasonKind Kind { get; }

    /// <summary>The detail of <c>{shutdown, Detail}</c>, or the value of a <see cref="ExitReasonKind.Term"/>.</summary>
    public object? Detail { get; }

    /// <summary>The exception of a crash (<see cref="ExitReasonKind.Exception"/>).</summary>
    public Exception? Exception { get; }

    /// <summary>The exit code (<see cref="ExitReasonKind.ExitCode"/>) or signal number (<see cref="ExitReasonKind.Signal"/>).</summary>
    public int Code { get; }

    /// <summary>For <see cref="ExitReasonKind.Signal"/>: whether the program dumped core.</summary>
    public bool CoreDumped { get; }

    /// <summary>True for exactly <c>normal</c>.</summary>
    public bool IsNormal => Kind == ExitReasonKind.Normal;

    /// <summary>True for <c>shutdown</c> and <c>{shutdown, Detail}</c>.</summary>
    public bool IsShutdown => Kind == ExitReasonKind.Shutdown;

    /// <summary>True for <c>normal</c>, <c>shutdown</c> and <c>{shutdown, Detail}</c>: the reasons a transient child is not restarted for.</summary>
    public bool IsOrderly => Kind is ExitReasonKind.Normal or ExitReasonKind.Shutdown;

    /// <summary><c>{shutdown, Detail}</c>.</summary>
    /// <param name="detail">The detail; must not be null.</param>
    public static ExitReason ShutdownWith(object detail)
    {
        ArgumentNullException.ThrowIfNull(detail);
        return new(ExitReasonKind.Shutdown, detail);
    }

    /// <summary>A crash caused by <paramref name="exception"/>.</summary>
    /// <param name="exception">The exception that escaped.</param>
    public static ExitReason FromException(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception is ExitException exit ? exit.Reason : new(ExitReasonKind.Exception, exception: exception);
    }

    /// <summary>An arbitrary value as a reason (Erlang's <c>exit(Term)</c>).</summary>
    /// <param name="term">The value; atoms, records and strings print as themselves.</param>
    public static ExitReason Of(object term)
    {
        ArgumentNullException.ThrowIfNull(term);
        return term as ExitReason ?? new(ExitReasonKind.Term, term);
    }

    /// <summary>An atom as a reason, such as <c>not_found</c>.</summary>
    /// <param name="name">The atom's text.</param>
    public static ExitReason Atom(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new(ExitReasonKind.Term, new Atom(name));
    }

    /// <summary>An operating-system program's exit code: 0 gives <see cref="Normal"/>.</summary>
    /// <param name="code">The exit code, 0 to 255.</param>
    public static ExitReason FromExitCode(int code) => code == 0 ? Normal : new(ExitReasonKind.ExitCode, code: code);

    /// <summary>An operating-system program killed by signal <paramref name="signal"/>.</summary>
    /// <param name="signal">The signal number.</param>
    /// <param name="coreDumped">Whether a core was dumped.</param>
    public static ExitReason FromSignal(int signal, bool coreDumped) => new(ExitReasonKind.Signal, code: signal, coreDumped: coreDumped);

    /// <summary>True when this is the term <paramref name="atom"/>.</summary>
    /// <param name="atom">The atom's text.</param>
    public bool IsAtom(string atom) => Kind == ExitReasonKind.Term && Detail is Atom a && a.Name == atom;

    /// <inheritdoc />
    public bool Equals(ExitReason? other) =>
        other is not null
        && (ReferenceEquals(this, other)
            || (Kind == other.Kind && Code == other.Code && CoreDumped == other.CoreDumped
                && Equals(Detail, other.Detail) && ReferenceEquals(Exception, other.Exception)));

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ExitReason);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, Detail, Code);

    /// <summary>Value equality.</summary>
    /// <param name="left">A reason.</param>
    /// <param name="right">Another reason.</param>
    public static bool operator ==(ExitReason? left, ExitReason? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Value inequality.</summary>
    /// <param name="left">A reason.</param>
    /// <param name="right">Another reason.</param>
    public static bool operator !=(ExitReason? left, ExitReason? right) => !(left == right);

    /// <summary>Erlang-like text: <c>normal</c>, <c>{shutdown,Detail}</c>, <c>{exit_code,3}</c>, an exception's type and message.</summary>
    public override string ToString() => Kind switch
    {
        ExitReasonKind.Normal => "normal",
        ExitReasonKind.Shutdown => Detail is null ? "shutdown" : "{shutdown," + Terms.Format(Detail) + "}",
        ExitReasonKind.Killed => "killed",
        ExitReasonKind.Kill => "kill",
        ExitReasonKind.NoProc => "noproc",
        ExitReasonKind.NoConnection => "noconnection",
        ExitReasonKind.Exception => "{" + ((Exception as RemoteException)?.TypeName ?? Exception!.GetType().Name) + "," + Terms.Format(Exception!.Message) + "}",
        ExitReasonKind.ExitCode => "{exit_code," + Code.ToString(CultureInfo.InvariantCulture) + "}",
        ExitReasonKind.Signal => "{signal," + Code.ToString(CultureInfo.InvariantCulture) + (CoreDumped ? ",core_dumped}" : "}"),
        _ => Terms.Format(Detail),
    };
}
