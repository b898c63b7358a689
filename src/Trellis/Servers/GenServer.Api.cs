using Trellis.Internal;

namespace Trellis;

/// <summary>Starting, calling, casting and stopping servers.</summary>
public abstract partial class GenServer
{
    /// <summary>
    /// Starts a server linked to <paramref name="parent"/> and waits until its <see cref="Init"/> has returned
    /// (<c>GenServer.start_link</c>). This is what a child spec's start function calls.
    /// </summary>
    /// <param name="parent">The starting process; the new server is linked to it.</param>
    /// <param name="factory">Makes the server's callback object; called once per start.</param>
    /// <param name="argument">The argument for <see cref="Init"/>.</param>
    /// <param name="options">Name and start timeout.</param>
    /// <param name="cancellationToken">Stops waiting for the start: the starting process is killed and the call throws <see cref="OperationCanceledException"/>.</param>
    /// <returns><c>{ok, Pid}</c>, <c>ignore</c>, or <c>{error, Reason}</c> (<c>{already_started, Pid}</c> when the name is taken).</returns>
    public static ValueTask<StartResult> StartLinkAsync(ProcessContext parent, Func<GenServer> factory, object? argument = null, GenServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parent);
        return StartCoreAsync((LocalProcess)parent, parent.Node, factory, argument, options, cancellationToken);
    }

    /// <summary>Starts a server that no process is linked to (<c>GenServer.start</c>); the node stops it when disposed.</summary>
    /// <param name="node">The node to run it on.</param>
    /// <param name="factory">Makes the server's callback object.</param>
    /// <param name="argument">The argument for <see cref="Init"/>.</param>
    /// <param name="options">Name and start timeout.</param>
    /// <param name="cancellationToken">Stops waiting for the start: the starting process is killed and the call throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The start result.</returns>
    public static ValueTask<StartResult> StartAsync(Node node, Func<GenServer> factory, object? argument = null, GenServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        return StartCoreAsync(null, node, factory, argument, options, cancellationToken);
    }

    internal static ValueTask<StartResult> StartCoreAsync(LocalProcess? parent, Node node, Func<GenServer> factory, object? argument, GenServerOptions? options, CancellationToken cancellationToken) =>
        StartCoreAsync(parent, remoteParent: null, node, factory, argument, options, cancellationToken);

    /// <summary>
    /// Starts a server; with <paramref name="remoteParent"/> (a start asked for by a process on another node) that
    /// process is its parent, linked before the server runs: its exit, or the loss of its node, stops the server.
    /// </summary>
    internal static ValueTask<StartResult> StartCoreAsync(LocalProcess? parent, RemotePid? remoteParent, Node node, Func<GenServer> factory, object? argument, GenServerOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(factory);
        GenServer server;
        try
        {
            server = factory() ?? throw new InvalidOperationException("the GenServer factory returned null");
        }
        catch (Exception ex)
        {
            return new(StartResult.Fail(ExitReason.FromException(ex)));
        }

        cancellationToken.ThrowIfCancellationRequested();
        return server.StartAsync(parent, remoteParent, node, argument, options, cancellationToken);
    }

    private ValueTask<StartResult> StartAsync(LocalProcess? parent, RemotePid? remoteParent, Node node, object? argument, GenServerOptions? options, CancellationToken cancellationToken)
    {
        if (_process is not null)
        {
            throw new InvalidOperationException($"this {GetType().Name} instance has already been started; the factory must return a new instance");
        }

        if (options is { Name: not null, Via: not null })
        {
            throw new ArgumentException("GenServerOptions: set Name or Via, not both", nameof(options));
        }

        var process = parent is null ? node.CreateRoot(Body) : new LocalProcess(node, Body);
        process.Extension = this;
        process.SelfTerminating = true;
        _process = process;
        _argument = argument;
        Parent = parent?.Self ?? (remoteParent is null ? Pid.None : new Pid(remoteParent));
        if (options?.Name is { } name && !node.TryRegister(name, process.Self))
        {
            process.Terminate(ExitReason.Normal);
            var holder = node.WhereIs(name);
            return new(StartResult.Fail(ExitReason.Of(new AlreadyStarted(holder))));
        }

        if (options?.Via is { } via)
        {
            StartResult? taken;
            try
            {
                taken = Registry.RegisterName(node, via, process);
            }
            catch (ArgumentException)
            {
                process.Terminate(ExitReason.Normal);
                throw;
            }

            if (taken is not null)
            {
                process.Terminate(ExitReason.Normal);
                return new(taken);
            }
        }

        parent?.LinkNew(process);
        if (remoteParent is not null)
        {
            // The other side adds its half of the link when it hears the start's answer, which comes before anything
            // this server's exit sends it (one connection keeps order).
            process.AddRemoteLink(remoteParent);
            remoteParent.Router.Link(process, remoteParent);
        }

        process.StartInline();
        process.ClearInline();
        var started = StartedAsync();
        var timeout = options?.StartTimeout ?? Timeout.InfiniteTimeSpan;
        return started.IsCompleted || (timeout == Timeout.InfiniteTimeSpan && !cancellationToken.CanBeCanceled)
            ? started
            : WaitStartedAsync(started, node, process, timeout, cancellationToken);
    }

    /// <summary>A start with a timeout or a token: past the timeout the start is <c>{error, timeout}</c>; cancelled, it throws. Either way the starting process is killed.</summary>
    private async ValueTask<StartResult> WaitStartedAsync(ValueTask<StartResult> started, Node node, LocalProcess process, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var task = started.AsTask();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var deadline = Task.Delay(timeout, node.TimeProvider, stop.Token);
        var first = await Task.WhenAny(task, deadline).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        if (first == task)
        {
            return await task.ConfigureAwait(false);
        }

        var cancelled = cancellationToken.IsCancellationRequested;
        FailStart(process, ExitReason.Killed, StartResult.Fail(cancelled ? ExitReason.Atom("cancelled") : ExitReason.Timeout));
        var result = await task.ConfigureAwait(false);
        return cancelled && !result.IsOk ? throw new OperationCanceledException(cancellationToken) : result;
    }

    /// <summary>
    /// Sends <paramref name="request"/> and waits for the answer (<c>GenServer.call</c>).
    /// </summary>
    /// <param name="server">The server.</param>
    /// <param name="request">The request.</param>
    /// <param name="timeout">How long to wait; five seconds by default, <see cref="Timeout.InfiniteTimeSpan"/> for ever.</param>
    /// <param name="cancellationToken">Stops waiting (the server may still handle the request).</param>
    /// <returns>The answer.</returns>
    /// <exception cref="CallException">Timed out, no such process, or the server exited before answering.</exception>
    public static ValueTask<object?> CallAsync(Pid server, object request, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var wait = timeout ?? DefaultCallTimeout;
        if (wait < TimeSpan.Zero && wait != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "a call timeout must be positive or Timeout.InfiniteTimeSpan");
        }

        var call = new CallRequest(server, request);
        TimeProvider time;
        if (server.Process is { } process)
        {
            time = process.Node.TimeProvider;
            var sent = time.GetTimestamp();
            if (!process.EnqueueCall(call))
            {
                return ValueTask.FromException<object?>(new CallException(server, request, ExitReason.NoProc));
            }

            if (call.IsDone)
            {
                // The server answered (or exited) on this thread. As in OTP, an answer later than the timeout is not
                // seen: the caller had timed out first.
                return wait != Timeout.InfiniteTimeSpan && time.GetElapsedTime(sent) >= wait
                    ? ValueTask.FromException<object?>(new CallException(server, request, ExitReason.Timeout))
                    : call.AsValueTask();
            }
        }
        else if (server.Remote is { } remote)
        {
            remote.Router.Call(remote, call);
            time = remote.Router.TimeProvider;
        }
        else
        {
            return ValueTask.FromException<object?>(new CallException(server, request, ExitReason.NoProc));
        }

        return Armed(call, time, wait, cancellationToken);
    }

    /// <summary>
    /// Calls a server by reference (a pid, a name on a node, <c>{Name, Node}</c> or a via name), as OTP's
    /// <c>gen_server:call/3</c>: a name is looked up at the call, so it reaches the server's current incarnation.
    /// </summary>
    /// <param name="server">The server.</param>
    /// <param name="request">The request.</param>
    /// <param name="timeout">How long to wait; five seconds by default.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The answer.</returns>
    /// <exception cref="CallException">Timed out, no such process or name (<c>noproc</c>), its node unreachable
    /// (<c>noconnection</c>), or the server exited before answering.</exception>
    public static ValueTask<object?> CallAsync(ServerRef server, object request, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (server.Name is not { } name || server.RemoteNode is not { } remoteNode)
        {
            var pid = server.Resolve();
            return pid.IsNone && server.Pid.IsNone
                ? ValueTask.FromException<object?>(new CallException(server.ToString(), request, ExitReason.NoProc))
                : CallAsync(pid, request, timeout, cancellationToken);
        }

        ArgumentNullException.ThrowIfNull(request);
        var wait = timeout ?? DefaultCallTimeout;
        if (wait < TimeSpan.Zero && wait != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "a call timeout must be positive or Timeout.InfiniteTimeSpan");
        }

        if (server.Node!.Router is not { } router)
        {
            return ValueTask.FromException<object?>(new CallException(server.ToString(), request, ExitReason.NoConnection));
        }

        var call = new CallRequest(Pid.None, request) { ServerName = server.ToString() };
        router.CallNamed(remoteNode, name, call);
        return Armed(call, router.TimeProvider, wait, cancellationToken);
    }

    /// <summary>A call by reference whose answer is a <typeparamref name="T"/>; see <see cref="CallAsync(ServerRef, object, TimeSpan?, CancellationToken)"/>.</summary>
    /// <typeparam name="T">The answer's type.</typeparam>
    /// <param name="server">The server.</param>
    /// <param name="request">The request.</param>
    /// <param name="timeout">How long to wait; five seconds by default.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The answer.</returns>
    /// <exception cref="CallException">The call failed.</exception>
    /// <exception cref="InvalidCastException">The answer is not a <typeparamref name="T"/>.</exception>
    public static async ValueTask<T> CallAsync<T>(ServerRef server, object request, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        (T)(await CallAsync(server, request, timeout, cancellationToken).ConfigureAwait(false))!;

    /// <summary>Casts to a server by reference; see <see cref="CallAsync(ServerRef, object, TimeSpan?, CancellationToken)"/>.</summary>
    /// <param name="server">The server.</param>
    /// <param name="request">The request.</param>
    /// <returns>False when it is known at once that the cast cannot arrive (no such process or name here).</returns>
    public static bool Cast(ServerRef server, object request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (server.Name is { } name && server.RemoteNode is { } remoteNode)
        {
            return server.Node!.Router is { } router && router.CastNamed(remoteNode, name, request);
        }

        return Cast(server.Resolve(), request);
    }

    private static ValueTask<object?> Armed(CallRequest call, TimeProvider time, TimeSpan wait, CancellationToken cancellationToken)
    {
        if (wait != Timeout.InfiniteTimeSpan)
        {
            call.ArmTimeout(time, wait);
        }

        if (cancellationToken.CanBeCanceled)
        {
            call.ArmCancellation(cancellationToken);
        }

        return call.AsValueTask();
    }

    /// <summary>A call whose answer is a <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The answer's type.</typeparam>
    /// <param name="server">The server.</param>
    /// <param name="request">The request.</param>
    /// <param name="timeout">How long to wait; five seconds by default.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The answer.</returns>
    /// <exception cref="CallException">Timed out, no such process, or the server exited before answering.</exception>
    /// <exception cref="InvalidCastException">The answer is not a <typeparamref name="T"/>.</exception>
    public static async ValueTask<T> CallAsync<T>(Pid server, object request, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        (T)(await CallAsync(server, request, timeout, cancellationToken).ConfigureAwait(false))!;

    /// <summary>Sends a request without waiting (<c>GenServer.cast</c>). Like a send, it never fails.</summary>
    /// <param name="server">The server.</param>
    /// <param name="request">The request.</param>
    /// <returns>True if the server was alive.</returns>
    public static bool Cast(Pid server, object request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return server.Process is { } process ? process.EnqueueCast(request)
            : server.Remote is { } remote && remote.Router.Cast(remote, request);
    }

    /// <summary>Answers a call that a callback left without a reply (<c>GenServer.reply</c>); may be used from any thread.</summary>
    /// <param name="from">The caller.</param>
    /// <param name="reply">The answer.</param>
    /// <returns>False if the caller was already answered, timed out, or gave up.</returns>
    public static bool Reply(From from, object? reply) => from.Call?.TryReply(reply) ?? false;

    /// <summary>
    /// Stops a server with <paramref name="reason"/>, running its terminate callback, and waits until it has exited
    /// (<c>GenServer.stop</c>).
    /// </summary>
    /// <param name="server">The server.</param>
    /// <param name="reason">The reason; <c>normal</c> by default.</param>
    /// <param name="timeout">How long to wait; for ever by default.</param>
    /// <returns>The reason the server exited with.</returns>
    /// <exception cref="CallException">The server is not alive (<c>noproc</c>) or did not stop in time (<c>timeout</c>).</exception>
    public static async Task<ExitReason> StopAsync(Pid server, ExitReason? reason = null, TimeSpan? timeout = null)
    {
        reason ??= ExitReason.Normal;
        var request = new StopRequest(reason);
        var exited = Node.WaitForExitAsync(server);
        if (!server.Send(request))
        {
            throw new CallException(server, request, ExitReason.NoProc);
        }

        var wait = timeout ?? Timeout.InfiniteTimeSpan;
        if (wait != Timeout.InfiniteTimeSpan
            && await Task.WhenAny(exited, Task.Delay(wait, server.Process?.Node.TimeProvider ?? server.Remote!.Router.TimeProvider)).ConfigureAwait(false) != exited)
        {
            throw new CallException(server, request, ExitReason.Timeout);
        }

        return await exited.ConfigureAwait(false);
    }
}
