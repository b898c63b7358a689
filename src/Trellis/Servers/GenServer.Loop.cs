using Trellis.Internal;

namespace Trellis;

/// <summary>
/// The server loop: init, then one message at a time. It is one async method, so an idle server holds one
/// state machine; it ends its process itself (<see cref="LocalProcess.SelfTerminating"/>) and never throws.
/// </summary>
public abstract partial class GenServer
{
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

    private async ValueTask RunAsync()
    {
        var process = _process!;
        InitResult init;
        try
        {
            init = await InitAsync(_argument).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var reason = ExitReason.FromException(ex);
            FailStart(process, reason, StartResult.Fail(reason));
            return;
        }

        _argument = null;
        switch (init.Status)
        {
            case StartStatus.Ignore:
                FailStart(process, ExitReason.Normal, StartResult.Ignore);
                return;
            case StartStatus.Error:
                FailStart(process, init.StopReason!, StartResult.Fail(init.StopReason!));
                return;
        }

        SignalStarted(StartResult.Ok(Self));
        var continuation = init.Continuation;
        var timeout = init.Timeout;
        if (process.StartedInline && (continuation is not null || process.MessageQueueLength > 0))
        {
            // Leave the starter's thread: the start has returned, the server's own work goes on elsewhere.
            await Task.Yield();
        }

        while (true)
        {
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
                    var message = await process.ReceiveQuietAsync(timeout ?? Timeout.InfiniteTimeSpan).ConfigureAwait(false) ?? TimeoutMessage;
                    if (ReferenceEquals(message, LocalProcess.DeadSentinel))
                    {
                        return;
                    }

                    // A cast arrives as its bare request, marked as a cast in the mailbox (no envelope per cast).
                    switch (message)
                    {
                        case var request when process.LastReceivedCast:
                            result = await HandleCastAsync(request).ConfigureAwait(false);
                            break;
                        case CallRequest call:
                            result = await DispatchCallAsync(call).ConfigureAwait(false);
                            break;
                        case ExitMessage exit when exit.From == Parent:
                            result = ServerResult.Stop(exit.Reason);
                            break;
                        case StopRequest stop:
                            result = ServerResult.Stop(stop.Reason);
                            break;
                        default:
                            result = await HandleInfoAsync(message).ConfigureAwait(false);
                            break;
                    }
                }
            }
            catch (Exception ex)
            {
                // A crash, or exit(Reason) from a callback: terminate runs with the reason, then the process exits with it.
                var reason = ExitReason.FromException(ex);
                if (process.IsAlive)
                {
                    await TerminateAfterErrorAsync(process, reason, ex).ConfigureAwait(false);
                }

                process.Terminate(reason);
                return;
            }

            if (result.Action == ServerAction.Stop)
            {
                var reason = result.StopReason!;
                try
                {
                    await TerminateAsync(reason).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    reason = ExitReason.FromException(ex);
                    process.Node.Log.ServerTerminating(GetType().Name, Self, reason, ex);
                }

                process.Terminate(reason);
                return;
            }

            continuation = result.Continuation;
            timeout = result.Timeout;
        }
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
            call.TryReply(result.ReplyValue);
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
