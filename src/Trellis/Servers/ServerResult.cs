namespace Trellis;

/// <summary>What a <see cref="GenServer"/> callback asks for next: reply, no reply, or stop; optionally a continue or a timeout.</summary>
public readonly struct ServerResult
{
    private ServerResult(ServerAction action, object? reply, bool hasReply, ExitReason? stopReason, object? continuation, TimeSpan? timeout)
    {
        Action = action;
        ReplyValue = reply;
        HasReply = hasReply;
        StopReason = stopReason;
        Continuation = continuation;
        Timeout = timeout;
    }

    internal ServerAction Action { get; }

    internal object? ReplyValue { get; }

    internal bool HasReply { get; }

    internal ExitReason? StopReason { get; }

    internal object? Continuation { get; }

    internal TimeSpan? Timeout { get; }

    /// <summary><c>{reply, Reply, State}</c>: answer the call now.</summary>
    /// <param name="reply">The answer.</param>
    /// <returns>The result.</returns>
    public static ServerResult Reply(object? reply) => new(ServerAction.Continue, reply, true, null, null, null);

    /// <summary><c>{noreply, State}</c>: carry on; a call is answered later with <see cref="GenServer.Reply(From, object?)"/>.</summary>
    /// <returns>The result.</returns>
    public static ServerResult NoReply() => default;

    /// <summary><c>{stop, Reason, State}</c>: terminate with <paramref name="reason"/>.</summary>
    /// <param name="reason">The exit reason.</param>
    /// <returns>The result.</returns>
    public static ServerResult Stop(ExitReason reason) =>
        new(ServerAction.Stop, null, false, reason ?? throw new ArgumentNullException(nameof(reason)), null, null);

    /// <summary><c>{stop, Reason, Reply, State}</c>: answer the call, then terminate.</summary>
    /// <param name="reason">The exit reason.</param>
    /// <param name="reply">The answer.</param>
    /// <returns>The result.</returns>
    public static ServerResult Stop(ExitReason reason, object? reply) =>
        new(ServerAction.Stop, reply, true, reason ?? throw new ArgumentNullException(nameof(reason)), null, null);

    /// <summary>Adds <c>{continue, Arg}</c>: <see cref="GenServer.HandleContinue"/> runs before the next message.</summary>
    /// <param name="continuation">The argument of the continue.</param>
    /// <returns>The result.</returns>
    public ServerResult WithContinue(object continuation) =>
        new(Action, ReplyValue, HasReply, StopReason, continuation ?? throw new ArgumentNullException(nameof(continuation)), Timeout);

    /// <summary>Adds a timeout: if no message arrives within it, <see cref="GenServer.HandleInfo"/> receives <see cref="GenServer.TimeoutMessage"/>.</summary>
    /// <param name="timeout">The timeout.</param>
    /// <returns>The result.</returns>
    public ServerResult WithTimeout(TimeSpan timeout) => new(Action, ReplyValue, HasReply, StopReason, Continuation, timeout);
}

/// <summary>The two ways a callback can go on.</summary>
internal enum ServerAction
{
    Continue,
    Stop,
}
