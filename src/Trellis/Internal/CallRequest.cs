using System.Threading.Tasks.Sources;

namespace Trellis.Internal;

/// <summary>A call in flight: the request, and the caller's single-use slot for the answer.</summary>
internal sealed class CallRequest : ICallRequest, IValueTaskSource<object?>
{
    private ManualResetValueTaskSourceCore<object?> _core;
    private int _done;
    private ITimer? _timer;
    private CancellationTokenRegistration _cancellation;

    public CallRequest(Pid server, object request)
    {
        Server = server;
        Request = request;
        _core.RunContinuationsAsynchronously = true;
    }

    public Pid Server { get; }

    public object Request { get; }

    /// <summary>The server's name, for a call by a name registered on another node (<see cref="Server"/> is none).</summary>
    public string? ServerName { get; init; }

    /// <summary>The server holding this call for a later reply, if any.</summary>
    public GenServer? DeferredBy { get; set; }

    /// <summary>Server side of a call from another node: where the reply goes (with <see cref="RemoteId"/>).</summary>
    public IRemoteCalls? ReplySink { get; init; }

    /// <summary>Caller side of a call to another node: told when the call is finished.</summary>
    public IRemoteCalls? Owner { get; set; }

    /// <summary>The call's number on its connection.</summary>
    public long RemoteId { get; set; }

    public bool IsDone => Volatile.Read(ref _done) != 0;

    public ValueTask<object?> AsValueTask() => new(this, _core.Version);

    public void ArmTimeout(TimeProvider time, TimeSpan timeout)
    {
        var timer = time.CreateTimer(static s => ((CallRequest)s!).Fail(ExitReason.Timeout), this, timeout, Timeout.InfiniteTimeSpan);
        Volatile.Write(ref _timer, timer);
        if (IsDone)
        {
            timer.Dispose();
        }
    }

    public void ArmCancellation(CancellationToken token) =>
        _cancellation = token.UnsafeRegister(static s => ((CallRequest)s!).Cancel(), this);

    public bool TryReply(object? reply) => TryReply(reply, server: null);

    /// <summary>
    /// Answers the call. From a <paramref name="server"/>'s loop that waits for its next message right after, the
    /// caller's continuation may be handed to the end of the server's slice and run on its thread (<see cref="Slice"/>).
    /// </summary>
    public bool TryReply(object? reply, LocalProcess? server)
    {
        if (Interlocked.Exchange(ref _done, 1) != 0)
        {
            return false;
        }

        Release();
        if (ReplySink is { } sink)
        {
            sink.Replied(this, reply);
            return true;
        }

        if (server is null || !Slice.TryDefer(server, this, reply))
        {
            _core.SetResult(reply);
        }

        return true;
    }

    /// <summary>Delivers a deferred answer: inline runs the caller's continuation on this thread, if it waits already.</summary>
    public void Deliver(object? reply, bool inline)
    {
        _core.RunContinuationsAsynchronously = !inline;
        _core.SetResult(reply);
    }

    public void Fail(ExitReason reason)
    {
        if (Interlocked.Exchange(ref _done, 1) != 0)
        {
            return;
        }

        Release();
        if (ReplySink is { } sink)
        {
            sink.Failed(this, reason);
            return;
        }

        _core.SetException(ServerName is { } name ? new CallException(name, Request, reason) : new CallException(Server, Request, reason));
    }

    private void Cancel()
    {
        if (Interlocked.Exchange(ref _done, 1) != 0)
        {
            return;
        }

        Release();
        _core.SetException(new OperationCanceledException("the call was cancelled by its caller"));
    }

    private void Release()
    {
        Volatile.Read(ref _timer)?.Dispose();
        _cancellation.Dispose();
        DeferredBy?.ForgetDeferred(this);
        Owner?.Released(this);
    }

    object? IValueTaskSource<object?>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<object?>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<object?>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}

/// <summary>A cast's envelope, so a cast is told apart from a plain message.</summary>
internal sealed record CastRequest(object Request);

/// <summary>Asks a server to terminate with a reason, running its terminate callback whether or not it traps exits.</summary>
internal sealed record StopRequest(ExitReason Reason);
