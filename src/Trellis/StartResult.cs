namespace Trellis;

/// <summary>How a start came out.</summary>
public enum StartStatus
{
    /// <summary><c>{ok, Pid}</c> or <c>{ok, Pid, Info}</c>.</summary>
    Ok,

    /// <summary><c>ignore</c>: nothing was started, and that is not an error.</summary>
    Ignore,

    /// <summary><c>{error, Reason}</c>.</summary>
    Error,
}

/// <summary>The outcome of starting a process: <c>{ok, Pid}</c>, <c>ignore</c> or <c>{error, Reason}</c>. A value, never an exception.</summary>
public sealed class StartResult
{
    private StartResult(StartStatus status, Pid pid, object? info, ExitReason? error)
    {
        Status = status;
        Pid = pid;
        Info = info;
        Error = error;
    }

    /// <summary><c>ignore</c>.</summary>
    public static StartResult Ignore { get; } = new(StartStatus.Ignore, Pid.None, null, null);

    /// <summary>The outcome.</summary>
    public StartStatus Status { get; }

    /// <summary>The started process; <see cref="Pid.None"/> unless <see cref="IsOk"/>.</summary>
    public Pid Pid { get; }

    /// <summary>Extra information returned with the pid (<c>{ok, Pid, Info}</c>).</summary>
    public object? Info { get; }

    /// <summary>Why it failed; null unless <see cref="IsError"/>.</summary>
    public ExitReason? Error { get; }

    /// <summary>True for <c>{ok, ...}</c>.</summary>
    public bool IsOk => Status == StartStatus.Ok;

    /// <summary>True for <c>ignore</c>.</summary>
    public bool IsIgnore => Status == StartStatus.Ignore;

    /// <summary>True for <c>{error, Reason}</c>.</summary>
    public bool IsError => Status == StartStatus.Error;

    /// <summary><c>{ok, Pid}</c>, or <c>{ok, Pid, Info}</c> with <paramref name="info"/>.</summary>
    /// <param name="pid">The started process; <see cref="Pid.None"/> stands for <c>{ok, undefined}</c>.</param>
    /// <param name="info">Extra information, if any.</param>
    /// <returns>The result.</returns>
    public static StartResult Ok(Pid pid, object? info = null) => new(StartStatus.Ok, pid, info, null);

    /// <summary><c>{error, Reason}</c>.</summary>
    /// <param name="reason">Why it failed.</param>
    /// <returns>The result.</returns>
    public static StartResult Fail(ExitReason reason) =>
        new(StartStatus.Error, Pid.None, null, reason ?? throw new ArgumentNullException(nameof(reason)));

    /// <summary>Erlang-like text: <c>{ok,&lt;0.5.0&gt;}</c>, <c>ignore</c>, <c>{error,Reason}</c>.</summary>
    public override string ToString() => Status switch
    {
        StartStatus.Ok => Info is null ? Terms.Tuple(new Atom("ok"), Pid) : Terms.Tuple(new Atom("ok"), Pid, Info),
        StartStatus.Ignore => "ignore",
        _ => Terms.Tuple(new Atom("error"), Error),
    };
}
