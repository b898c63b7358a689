namespace Trellis;

/// <summary>The outcome of a supervisor call that returns <c>ok</c> or <c>{error, Reason}</c>.</summary>
public readonly record struct SupervisorResult
{
    private SupervisorResult(ExitReason? error) => Error = error;

    /// <summary><c>ok</c>.</summary>
    public static SupervisorResult Ok { get; }

    /// <summary>The error; null for <c>ok</c>.</summary>
    public ExitReason? Error { get; }

    /// <summary>True for <c>ok</c>.</summary>
    public bool IsOk => Error is null;

    /// <summary><c>{error, Reason}</c>.</summary>
    /// <param name="reason">The error.</param>
    /// <returns>The result.</returns>
    public static SupervisorResult Fail(ExitReason reason) => new(reason ?? throw new ArgumentNullException(nameof(reason)));

    /// <summary><c>ok</c> or <c>{error,Reason}</c>.</summary>
    public override string ToString() => Error is null ? "ok" : Terms.Tuple(new Atom("error"), Error);
}
