using System.Collections.Concurrent;
using Trellis.Internal;

namespace Trellis;

/// <summary>
/// The server loop: init, then one message at a time. It is one async method, so an idle server holds one
/// state machine; it ends its process itself (<see cref="LocalProcess.SelfTerminating"/>) and never throws.
/// </summary>
public abstract partial class GenServer
{
    private static readonly ConcurrentDictionary<Type, bool> SyncCastTypes = new();

    /// <summary>Whether this server's casts go straight to <see cref="HandleCast"/> (it does not override <see cref="HandleCastAsync"/>).</summary>
    private bool _syncCast;

    /// <summary>Null, then either the <see cref="StartResult"/> (init finished before anyone waited) or the <see cref="StartSignal"/> a starter waits on.</summary>
    private object? _started;

    private static ValueTask Body(ProcessContext context) =>
        ((GenServer)((LocalProcess)context).Extension!).RunAsync();

    private void SignalStarted(StartResult result)
    {
        var current = Interlocked.CompareExchange(ref _started, result, null);
        if (current is StartSignal signal)
        {
            signal.Set(result);
        }
    }

    /// <summary>The start's outcome: at once when init has already finished, else through a <see cref="StartSignal"/>.</summary>
    private ValueTask<StartResult> StartedAsync()
    {
        if (Volatile.Read(ref _started) is StartResult done)
        {
            return new(done);
        }

        var signal = new StartSignal();
        return Interlocked.CompareExchange(ref _started, signal, null) switch
        {
            null => signal.Task,
            StartResult result => new(result),
            StartSignal existing => existing.Task,
            _ => throw new InvalidOperationException("unreachable"),
        };
    }

    /// <summary>
    /// Init, then the loop. An init that finishes at once (the usual case) leads straight into <see cref="LoopAsync"/>,
    /// so an idle server holds only the loop's small state machine.
    /// </summary>
    private ValueTask RunAsync()
    {
        ValueTask<InitResult> pending;
        try
        {
            pending = InitAsync(_argument);
        }
        catch (Exception ex)
        {
            FailInit(ex);
            return default;
        }

        return pending.IsCompletedSuccessfully ? AfterInit(pending.Result) : RunAfterPendingInitAsync(pending);
    }

    private async ValueTask RunAfterPendingInitAsync(ValueTask<InitResult> pending)
    {
        InitResult init;
        try
        {
            init = await pending.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            FailInit(ex);
            return;
        }

        await AfterInit(init).ConfigureAwait(false);
    }

    private void FailInit(Exception ex)
    {
        var reason = ExitReason.FromException(ex);
        FailStart(_process!, reason, StartResult.Fail(reason));
    }

    private ValueTask AfterInit(InitResult init)
    {
        var process = _process!;
        _argument = null;
        switch (init.Status)
        {
            case StartStatus.Ignore:
                FailStart(process, ExitReason.Normal, StartResult.Ignore);
                return default;
            case StartStatus.Error:
                FailStart(process, init.StopReason!, StartResult.Fail(init.StopReason!));
                return default;
        }

        _syncCast = CastIsSynchronous();
        process.TakesCallsInline = true;
        SignalStarted(StartResult.Ok(Self));

        // Leave the starter's thread: the start has returned, the server's own work goes on elsewhere.
        var yieldFirst = process.StartedInline && (init.Continuation is not null || process.MessageQueueLength > 0);
        return LoopAsync(process, init.Continuation, init.Timeout, yieldFirst);
    }

    /// <summary>
    /// One message at a time. Only the process, the pending continuation and the timeout live across its awaits: the
    /// state machine every idle server keeps is that small. Rare paths (a crash, a stop) are methods of their own.
    /// </summary>
    private async ValueTask LoopAsync(LocalProcess process, object? continuation, TimeSpan? timeout, bool yieldFirst)
    {
        if (yieldFirst)
        {
            await new SliceYield(process);
        }

        while (true)
        {
            // On a caller's thread for its call (Slice.TryRunCallee), the loop handles that call only, then goes to the
            // thread pool before a continuation or a next message: the caller waits for nothing but its own answer.
            if (Slice.RunsForCaller(process) && (continuation is not null || !process.LooksIdle))
            {
                await new SliceYield(process);
            }

            ServerResult result;
            try
            {
                if (continuation is not null)
                {
                    var c = continuation;
                    continuation = null;
                    result = await HandleContinueAsync(c).ConfigureAwait(false);
                }
                else
                {
                    // A message already taken in is handled without an await, and a cast to a server whose HandleCast
                    // is synchronous without a ValueTask: the path a stream of casts takes.
                    if (!process.TryTakeQuiet(out var message))
                    {
                        message = await process.ReceiveQuietAsync(timeout ?? Timeout.InfiniteTimeSpan).ConfigureAwait(false) ?? TimeoutMessage;
                        if (ReferenceEquals(message, LocalProcess.DeadSentinel))
                        {
                            return;
                        }
                    }

                    result = _syncCast && process.LastReceivedCast ? HandleCast(message) : await HandleAsync(process, message).ConfigureAwait(false);
                }
            }
            catch (Exception ex)
            {
                await CrashAsync(process, ex).ConfigureAwait(false);
                return;
            }

            if (result.Action == ServerAction.Stop)
            {
                if (Slice.RunsForCaller(process))
                {
                    // Its answer, if any, is given: terminate runs on the thread pool, not on the caller's thread.
                    await new SliceYield(process);
                }

                await StopWithAsync(process, result.StopReason!).ConfigureAwait(false);
                return;
            }

            continuation = result.Continuation;
            timeout = result.Timeout;
        }
    }

    /// <summary>Whether this server's type leaves <see cref="HandleCastAsync"/> as it is (so a cast may call <see cref="HandleCast"/> directly).</summary>
    private bool CastIsSynchronous()
    {
        var type = GetType();
        if (!SyncCastTypes.TryGetValue(type, out var sync))
        {
            // The delegate binds to the override, if there is one: its method's declaring type says whose it is.
            Func<object, ValueTask<ServerResult>> handler = HandleCastAsync;
            sync = SyncCastTypes.GetOrAdd(type, handler.Method.DeclaringType == typeof(GenServer));
        }

        return sync;
    }

    /// <summary>The callback for a message. A cast arrives as its bare request, marked as a cast in the mailbox.</summary>
    private ValueTask<ServerResult> HandleAsync(LocalProcess process, object message)
    {
        if (process.LastReceivedCast)
        {
            return HandleCastAsync(message);
        }

        return message switch
        {
            CallRequest call => DispatchCallAsync(call),
            ExitMessage exit when exit.From == Parent => new(ServerResult.Stop(exit.Reason)),
            StopRequest stop => new(ServerResult.Stop(stop.Reason)),
            _ => HandleInfoAsync(message),
        };
    }

    /// <summary>A crash, or exit(Reason) from a callback: terminate runs with the reason, then the process exits with it.</summary>
    private async ValueTask CrashAsync(LocalProcess process, Exception ex)
    {
        var reason = ExitReason.FromException(ex);
        if (process.IsAlive)
        {
            await TerminateAfterErrorAsync(process, reason, ex).ConfigureAwait(false);
        }

        process.Terminate(reason, selfExit: true);
    }

    /// <summary>A callback asked to stop: terminate runs, then the process exits with the reason (or terminate's crash).</summary>
    private async ValueTask StopWithAsync(LocalProcess process, ExitReason reason)
    {
        try
        {
            await TerminateAsync(reason).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            reason = ExitReason.FromException(ex);
            process.Node.Log.ServerTerminating(GetType().Name, Self, reason, ex);
        }

        process.Terminate(reason, selfExit: true);
    }

    /// <summary>
    /// A failed or ignored start: the process is gone before the starter hears of it, and leaves no EXIT with the
    /// starter (as OTP 26 and later).
    /// </summary>
    private void FailStart(LocalProcess process, ExitReason exit, StartResult result)
    {
        if (!Parent.IsNone)
        {
            process.Unlink(Parent);
        }

        process.Terminate(exit);
        SignalStarted(result);
    }

    private async ValueTask<ServerResult> DispatchCallAsync(CallRequest call)
    {
        _current = call;
        var result = await HandleCallAsync(call.Request, new From(call)).ConfigureAwait(false);
        _current = null;
        if (result.HasReply)
        {
            // Nothing of this server's runs before its next receive: the reply may wait for the end of its slice.
            var waitsNext = result.Action == ServerAction.Continue && result.Continuation is null && result.Timeout is null;
            call.TryReply(result.ReplyValue, waitsNext ? _process : null);
        }
        else if (result.Action != ServerAction.Stop)
        {
            Defer(call);
        }

        return result;
    }

    /// <summary>A callback threw: log it (unless it was an orderly exit), then run terminate with the reason.</summary>
    private async ValueTask TerminateAfterErrorAsync(LocalProcess process, ExitReason reason, Exception ex)
    {
        if (!reason.IsOrderly)
        {
            process.Node.Log.ServerTerminating(GetType().Name, Self, reason, ex);
        }

        try
        {
            await TerminateAsync(reason).ConfigureAwait(false);
        }
        catch (Exception terminateError) when (terminateError is not ProcessExitedException)
        {
            process.Node.Log.ServerTerminating(GetType().Name, Self, ExitReason.FromException(terminateError), terminateError);
        }
    }
}
