using System.Globalization;

namespace Trellis;

/// <summary>How a child is stopped: <c>brutal_kill</c>, a timeout, or <c>infinity</c>.</summary>
public readonly record struct Shutdown
{
    private Shutdown(ShutdownKind kind, TimeSpan timeout)
    {
        Kind = kind;
        Timeout = timeout;
    }

    /// <summary>Killed at once with the untrappable <c>kill</c>.</summary>
    public static Shutdown BrutalKill { get; } = new(ShutdownKind.BrutalKill, TimeSpan.Zero);

    /// <summary>Sent <c>shutdown</c>, then waited for without limit (the default for supervisors).</summary>
    public static Shutdown Infinity { get; } = new(ShutdownKind.Infinity, System.Threading.Timeout.InfiniteTimeSpan);

    /// <summary>The default for workers: five seconds.</summary>
    public static Shutdown DefaultWorker { get; } = After(TimeSpan.FromSeconds(5));

    /// <summary>Which of the three.</summary>
    public ShutdownKind Kind { get; }

    /// <summary>For <see cref="ShutdownKind.Timeout"/>: how long the child has after <c>shutdown</c> before it is killed.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Sent <c>shutdown</c>, then killed if it has not exited within <paramref name="timeout"/>.</summary>
    /// <param name="timeout">Zero or more.</param>
    /// <returns>The shutdown.</returns>
    public static Shutdown After(TimeSpan timeout) => new(ShutdownKind.Timeout, timeout);

    /// <summary>Sent <c>shutdown</c>, then killed after <paramref name="milliseconds"/> (OTP's integer form).</summary>
    /// <param name="milliseconds">Zero or more.</param>
    /// <returns>The shutdown.</returns>
    public static Shutdown AfterMilliseconds(int milliseconds) => After(TimeSpan.FromMilliseconds(milliseconds));

    /// <summary>Erlang-like text: <c>brutal_kill</c>, <c>infinity</c>, or the milliseconds.</summary>
    public override string ToString() => Kind switch
    {
        ShutdownKind.BrutalKill => "brutal_kill",
        ShutdownKind.Infinity => "infinity",
        _ => ((long)Timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
    };
}

/// <summary>The three kinds of <see cref="Shutdown"/>.</summary>
public enum ShutdownKind
{
    /// <summary>A timeout, then a kill.</summary>
    Timeout,

    /// <summary>An immediate kill.</summary>
    BrutalKill,

    /// <summary>No limit.</summary>
    Infinity,
}
