using Trellis.Internal;

namespace Trellis;

/// <summary>The server loop: init, then one message at a time.</summary>
public abstract partial class GenServer
{
    private StartSignal? _started;

    private static ValueTask Body(ProcessContext context) =>
        ((GenServer)((LocalProcess)context).Extension!).RunAsync();

    private void SignalStarted(StartResult result)
    {
        Interlocked.Exchange(ref _started, null)?.Set(result);
    }

    private async ValueTask RunAsync()
    {
        var process = _process!;
        InitResult init;
        try
        {
            init = await InitAsync(_argument).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not ProcessExitedException || process.IsAlive)
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
        if (process.StartedInline && (continuation is not null || process.MessageQueueLength > 0))
        {
            // Leave the starter's thread: the start has returned, the server's own work goes on elsewhere.
            await Task.Yield();
        }

        await LoopAsync(process, continuation, init.Timeout).ConfigureAwait(false);
    }

    /// <summary>
    /// A failed or ignored start: the process is gone before the starter hears of it, and leaves no EXIT with the
    /// starter (as OTP 26 and later).
    /// </summary>
    private void FailStart(LocalProcess process, ExitReason exit, StartResult result)
    {
        DetachFromStarter();
        process.Terminate(exit);
        SignalStarted(result);
    }

    /// <summary>Drops the link to the starter.</summary>
    private void DetachFromStarter()
    {
        if (!Parent.IsNone)
        {
            _process!.Unlink(Parent);
        }
    }

    private async ValueTask LoopAsync(LocalProcess process, object? continuation, TimeSpan? timeout)
    {
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

                    switch (message)
                    {
                        case CallRequest call:
                            result = await DispatchCallAsync(call).ConfigureAwait(false);
                            break;
                        case CastRequest cast:
                            result = await HandleCastAsync(cast.Request).ConfigureAwait(false);
                            break;
                        case ExitMessage exit when exit.From == Parent:
                            await TerminateAsync(exit.Reason).ConfigureAwait(false);
                            process.Terminate(exit.Reason);
                            return;
                        case StopRequest stop:
                            await TerminateAsync(stop.Reason).ConfigureAwait(false);
                            process.Terminate(stop.Reason);
                            return;
                        default:
                            result = await HandleInfoAsync(message).ConfigureAwait(false);
                            break;
                    }
                }
            }
            catch (Exception ex) when (process.IsAlive)
            {
                // A crash, or exit(Reason) from a callback: terminate runs with the reason, then the process exits with it.
                var reason = ExitReason.FromException(ex);
                await TerminateAfterErrorAsync(process, reason, ex).ConfigureAwait(false);
                process.Terminate(reason);
                return;
            }

            if (result.Action == ServerAction.Stop)
            {
                await TerminateAsync(result.StopReason!).ConfigureAwait(false);
                process.Terminate(result.StopReason!);
                return;
            }

            continuation = result.Continuation;
            timeout = result.Timeout;
        }
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
