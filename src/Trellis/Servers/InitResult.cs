namespace Trellis;

/// <summary>What <see cref="GenServer.Init"/> returns: <c>{ok, State}</c>, <c>ignore</c> or <c>{stop, Reason}</c>.</summary>
public readonly struct InitResult
{
    private InitResult(StartStatus status, ExitReason? stopReason, object? continuation, TimeSpan? timeout)
    {
        Status = status;
        StopReason = stopReason;
        Continuation = continuation;
        Timeout = timeout;
    }

    internal StartStatus Status { get; }

    internal ExitReason? StopReason { get; }

    internal object? Continuation { get; }

    internal TimeSpan? Timeout { get; }

    /// <summary><c>{ok, State}</c>: the server runs.</summary>
    /// <returns>The result.</returns>
    public static InitResult Ok() => default;

    /// <summary><c>ignore</c>: the start returns <see cref="StartResult.Ignore"/> and the process exits normally.</summary>
    /// <returns>The result.</returns>
    public static InitResult Ignore() => new(StartStatus.Ignore, null, null, null);

    /// <summary><c>{stop, Reason}</c>: the start fails with <paramref name="reason"/> and the process exits with it.</summary>
    /// <param name="reason">The reason.</param>
    /// <returns>The result.</returns>
    public static InitResult Stop(ExitReason reason) =>
        new(StartStatus.Error, reason ?? throw new ArgumentNullException(nameof(reason)), null, null);

    /// <summary>Adds <c>{continue, Arg}</c>: <see cref="GenServer.HandleContinue"/> runs after the start has returned, before any message.</summary>
    /// <param name="continuation">The argument.</param>
    /// <returns>The result.</returns>
    public InitResult WithContinue(object continuation) =>
        new(Status, StopReason, continuation ?? throw new ArgumentNullException(nameof(continuation)), Timeout);

    /// <summary>Adds a timeout for the first message.</summary>
    /// <param name="timeout">The timeout.</param>
    /// <returns>The result.</returns>
    public InitResult WithTimeout(TimeSpan timeout) => new(Status, StopReason, Continuation, timeout);
}
