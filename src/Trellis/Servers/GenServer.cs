using Trellis.Internal;

namespace Trellis;

/// <summary>
/// A server process built from callbacks, as Erlang's <c>gen_server</c> and Elixir's <c>GenServer</c>.
/// Subclass it, keep the state in fields, and override the callbacks you need; a fresh instance is made
/// for every start, so a restart begins with the initial state.
/// Every callback has a synchronous form and an <c>Async</c> form; override one of the two.
/// </summary>
public abstract partial class GenServer : IProcessExtension
{
    private LocalProcess? _process;
    private object? _argument;
    private volatile CallRequest? _current;
    private HashSet<CallRequest>? _deferred;

    /// <summary>The message <see cref="HandleInfo"/> receives when a timeout set with <c>WithTimeout</c> passes: the atom <c>timeout</c>.</summary>
    public static Atom TimeoutMessage { get; } = new("timeout");

    /// <summary>The default call timeout: five seconds, as in OTP.</summary>
    public static TimeSpan DefaultCallTimeout { get; } = TimeSpan.FromSeconds(5);

    /// <summary>This server's process.</summary>
    /// <exception cref="InvalidOperationException">The server has not been started.</exception>
    protected ProcessContext Context => _process ?? throw new InvalidOperationException("the GenServer has not been started");

    /// <summary>This server's pid.</summary>
    protected Pid Self => Context.Self;

    /// <summary>
    /// The process that started this server; <see cref="Pid.None"/> when started from outside any process, in which case
    /// an exit signal sent with <see cref="Node.Exit"/> counts as coming from the parent.
    /// </summary>
    protected Pid Parent { get; private set; }

    /// <summary>Initialises the server (Erlang's <c>init/1</c>). Runs in the new process while the starter waits.</summary>
    /// <param name="argument">The start argument.</param>
    /// <returns><see cref="InitResult.Ok"/>, <see cref="InitResult.Ignore"/> or <see cref="InitResult.Stop"/>.</returns>
    protected virtual InitResult Init(object? argument) => InitResult.Ok();

    /// <summary>The asynchronous form of <see cref="Init"/>.</summary>
    /// <param name="argument">The start argument.</param>
    /// <returns>The result.</returns>
    protected virtual ValueTask<InitResult> InitAsync(object? argument) => new(Init(argument));

    /// <summary>Handles a call (<c>handle_call/3</c>). By default a call it does not expect crashes the server, as in Elixir.</summary>
    /// <param name="request">The request.</param>
    /// <param name="from">The caller, for a later <see cref="Reply(From, object?)"/>.</param>
    /// <returns>Usually <see cref="Reply(object?)"/>.</returns>
    protected virtual ServerResult HandleCall(object request, From from) =>
        throw new InvalidOperationException($"{GetType().Name} received an unexpected call: {Terms.Format(request)}");

    /// <summary>The asynchronous form of <see cref="HandleCall"/>.</summary>
    /// <param name="request">The request.</param>
    /// <param name="from">The caller.</param>
    /// <returns>The result.</returns>
    protected virtual ValueTask<ServerResult> HandleCallAsync(object request, From from) => new(HandleCall(request, from));

    /// <summary>Handles a cast (<c>handle_cast/2</c>). By default a cast it does not expect crashes the server.</summary>
    /// <param name="request">The request.</param>
    /// <returns>Usually <see cref="NoReply"/>.</returns>
    protected virtual ServerResult HandleCast(object request) =>
        throw new InvalidOperationException($"{GetType().Name} received an unexpected cast: {Terms.Format(request)}");

    /// <summary>The asynchronous form of <see cref="HandleCast"/>.</summary>
    /// <param name="request">The request.</param>
    /// <returns>The result.</returns>
    protected virtual ValueTask<ServerResult> HandleCastAsync(object request) => new(HandleCast(request));

    /// <summary>Handles any other message (<c>handle_info/2</c>): DOWN and EXIT messages, timeouts, plain sends. By default logs it and carries on.</summary>
    /// <param name="message">The message.</param>
    /// <returns>Usually <see cref="NoReply"/>.</returns>
    protected virtual ServerResult HandleInfo(object message)
    {
        var process = (LocalProcess)Context;
        process.Node.Log.UnexpectedInfo(GetType().Name, Self, Terms.Format(message));
        return NoReply();
    }

    /// <summary>The asynchronous form of <see cref="HandleInfo"/>.</summary>
    /// <param name="message">The message.</param>
    /// <returns>The result.</returns>
    protected virtual ValueTask<ServerResult> HandleInfoAsync(object message) => new(HandleInfo(message));

    /// <summary>Handles a <c>{continue, Arg}</c> (<c>handle_continue/2</c>).</summary>
    /// <param name="continuation">The argument given to <c>WithContinue</c>.</param>
    /// <returns>The result.</returns>
    protected virtual ServerResult HandleContinue(object continuation) =>
        throw new InvalidOperationException($"{GetType().Name} returned a continue but does not override HandleContinue");

    /// <summary>The asynchronous form of <see cref="HandleContinue"/>.</summary>
    /// <param name="continuation">The argument.</param>
    /// <returns>The result.</returns>
    protected virtual ValueTask<ServerResult> HandleContinueAsync(object continuation) => new(HandleContinue(continuation));

    /// <summary>
    /// Runs before the server exits (<c>terminate/2</c>): after a stop result, a crash in a callback, <see cref="StopAsync"/>,
    /// and on a shutdown from its parent only when the server traps exits, as in OTP.
    /// </summary>
    /// <param name="reason">Why it exits.</param>
    protected virtual void Terminate(ExitReason reason)
    {
    }

    /// <summary>The asynchronous form of <see cref="Terminate"/>.</summary>
    /// <param name="reason">Why it exits.</param>
    /// <returns>A task.</returns>
    protected virtual ValueTask TerminateAsync(ExitReason reason)
    {
        Terminate(reason);
        return default;
    }

    /// <summary><c>{reply, Reply, State}</c>.</summary>
    /// <param name="reply">The answer.</param>
    /// <returns>The result.</returns>
    protected static ServerResult Reply(object? reply) => ServerResult.Reply(reply);

    /// <summary><c>{noreply, State}</c>.</summary>
    /// <returns>The result.</returns>
    protected static ServerResult NoReply() => ServerResult.NoReply();

    /// <summary><c>{stop, Reason, State}</c>.</summary>
    /// <param name="reason">The exit reason.</param>
    /// <returns>The result.</returns>
    protected static ServerResult Stop(ExitReason reason) => ServerResult.Stop(reason);

    /// <summary><c>{stop, Reason, Reply, State}</c>.</summary>
    /// <param name="reason">The exit reason.</param>
    /// <param name="reply">The answer.</param>
    /// <returns>The result.</returns>
    protected static ServerResult Stop(ExitReason reason, object? reply) => ServerResult.Stop(reason, reply);

    void IProcessExtension.OnExit(ExitReason reason)
    {
        _current?.Fail(reason);
        CallRequest[] deferred;
        lock (this)
        {
            if (_deferred is null)
            {
                return;
            }

            deferred = [.. _deferred];
            _deferred = null;
        }

        foreach (var call in deferred)
        {
            call.Fail(reason);
        }
    }

    string IProcessExtension.Describe() => BehaviourName;

    /// <summary>What an observer shows as this process's behaviour: the server's type, or the runtime's own name.</summary>
    internal virtual string BehaviourName => GetType().Name;

    internal void ForgetDeferred(CallRequest call)
    {
        lock (this)
        {
            _deferred?.Remove(call);
        }
    }

    private void Defer(CallRequest call)
    {
        lock (this)
        {
            call.DeferredBy = this;
            if (call.IsDone)
            {
                return;
            }

            (_deferred ??= []).Add(call);
        }
    }
}
