using System.Diagnostics;

namespace Trellis.Internal;

/// <summary>
/// A lightweight process: a mailbox plus code. All mutable state is guarded by one lock, <see cref="Sync"/>;
/// links and monitors that span two processes take both locks in pid order.
/// </summary>
internal sealed partial class LocalProcess : ProcessContext, IThreadPoolWorkItem
{
    private const int FlagTrapExit = 1;
    private const int FlagWaiting = 2;
    private const int FlagInline = 4;
    private const int FlagRoot = 8;
    private const int FlagStarted = 16;

    private readonly Node _node;
    private Func<ProcessContext, ValueTask>? _body;
    private volatile ExitReason? _exitReason;
    private int _flags;
    private object? _links;
    private object? _monitors;
    private HashSet<RemotePid>? _remoteLinks;
    private CancellationTokenSource? _cts;

    // What the next slice hands to the waiting receive: set by the one waker of each wait, read by that slice.
    private object? _resume;

    // The loop's continuation while it yields to its own work item (SliceYield), handed over with YieldSentinel.
    private Action? _yielded;

    private static readonly object YieldSentinel = new();

    internal LocalProcess(Node node, Func<ProcessContext, ValueTask> body)
    {
        _node = node;
        _body = body;
        Id = node.NextProcessId();
        node.Track(this);
        // The receive's continuation runs inside this process's own work item (Slice), never on a waker's thread.
        _waiter.RunContinuationsAsynchronously = false;
    }

    public long Id { get; }

    public bool IsAlive => _exitReason is null;

    public ExitReason? ExitReasonOrNull => _exitReason;

    /// <summary>The registered name; changed by <see cref="Node"/> under this process's lock.</summary>
    internal string? RegisteredName { get; set; }

    /// <summary>True once the pid has gone to another node, which may name it in what it sends back.</summary>
    internal bool Exported { get; set; }

    /// <summary>Set once before the process runs.</summary>
    internal IProcessExtension? Extension { get; set; }

    /// <summary>True for a process started from outside any process (the node stops those when disposed).</summary>
    internal bool IsRoot
    {
        get => (Volatile.Read(ref _flags) & FlagRoot) != 0;
        set => Interlocked.Or(ref _flags, value ? FlagRoot : 0);
    }

    /// <summary>
    /// Set before start for a runtime body (a GenServer's loop) that ends its process itself and never throws:
    /// it runs without the wrapper that turns a body's end into an exit, saving a state machine per process.
    /// </summary>
    internal bool SelfTerminating { get; set; }

    /// <summary>True while the body runs on its starter's thread (proc_lib-style synchronous start).</summary>
    internal bool StartedInline => (Volatile.Read(ref _flags) & FlagInline) != 0;

    public override Pid Self => new(this);

    public override Node Node => _node;

    public override bool TrapExit
    {
        get => (Volatile.Read(ref _flags) & FlagTrapExit) != 0;
        set
        {
            lock (_outbox.Gate)
            {
                _flags = value ? _flags | FlagTrapExit : _flags & ~FlagTrapExit;
            }
        }
    }

    public override CancellationToken CancellationToken
    {
        get
        {
            lock (_outbox.Gate)
            {
                if (_exitReason is not null)
                {
                    return new CancellationToken(canceled: true);
                }

                _cts ??= new CancellationTokenSource();
                return _cts.Token;
            }
        }
    }

    /// <summary>Queues the body on the thread pool.</summary>
    internal void Start() => ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);

    /// <summary>Runs the body on the caller's thread until its first asynchronous wait.</summary>
    internal void StartInline()
    {
        Interlocked.Or(ref _flags, FlagInline);
        Execute();
    }

    /// <summary>
    /// Marks the end of the inline part of a synchronous start. Under the lock: the process may be waiting by now, and a
    /// sender clears <c>FlagWaiting</c> with a plain write under the lock, which would put back a flag cleared beside it.
    /// </summary>
    internal void ClearInline()
    {
        lock (_outbox.Gate)
        {
            _flags &= ~FlagInline;
        }
    }

    /// <summary>A slice: the body's first run, or a waiting receive resumed with what its waker handed over.</summary>
    void IThreadPoolWorkItem.Execute()
    {
        if ((Volatile.Read(ref _flags) & FlagStarted) == 0)
        {
            Execute();
            return;
        }

        var value = _resume;
        _resume = null;
        Slice.Run(this, value);
    }

    /// <summary>Resumes the waiting receive, or the loop that yielded (<see cref="SliceYield"/>), inside the current slice (<see cref="Slice.Run"/>).</summary>
    internal void ResumeHere(object? value)
    {
        if (ReferenceEquals(value, YieldSentinel))
        {
            var continuation = _yielded!;
            _yielded = null;
            continuation();
            return;
        }

        _waiter.SetResult(value);
    }

    /// <summary>The process's own: goes on with <paramref name="continuation"/> in its own work item (it waits for nothing, so no waker can queue it too).</summary>
    internal void QueueYielded(Action continuation)
    {
        Debug.Assert(_yielded is null && (Volatile.Read(ref _flags) & FlagWaiting) == 0, "a process that yields neither waits nor has yielded already");
        _yielded = continuation;
        Wake(YieldSentinel);
    }

    /// <summary>
    /// Hands a value to the waiting receive (a message, a timeout's null, the dead sentinel): the process is queued, and
    /// its continuation runs in its own work item. Exactly one waker per wait calls this (the hand-off under the lock).
    /// </summary>
    private void Wake(object? value)
    {
        _resume = value;
        // The global queue: the waker's thread may go on running for long (a caller handed an answer at the end of a
        // slice does), and nothing should wait in its local queue until another thread steals it.
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    private void Execute()
    {
        Interlocked.Or(ref _flags, FlagStarted);
        // The process owns this task: RunAsync (or a self-terminating runtime body) catches every exception and
        // turns it into the exit reason, so nothing is lost by not awaiting it here.
        ValueTask run = SelfTerminating ? _body!(this) : RunAsync();
        if (run.IsCompleted)
        {
            run.GetAwaiter().GetResult();
        }
    }

    private async ValueTask RunAsync()
    {
        ExitReason reason;
        try
        {
            await _body!(this).ConfigureAwait(false);
            reason = ExitReason.Normal;
        }
        catch (ProcessExitedException) when (_exitReason is not null)
        {
            return;
        }
        catch (Exception ex)
        {
            reason = ExitReason.FromException(ex);
        }
        finally
        {
            _body = null;
        }

        Terminate(reason, selfExit: true);
    }

    private void ThrowIfDead()
    {
        if (_exitReason is { } reason)
        {
            throw new ProcessExitedException(reason);
        }
    }

    /// <summary>
    /// Ends the process with <paramref name="reason"/>, at once: name released, mailbox closed, calls in it failed,
    /// token cancelled, then links and monitors fire. Only the first call has any effect.
    /// </summary>
    internal bool Terminate(ExitReason reason) => Terminate(reason, selfExit: false);

    /// <summary>
    /// Ends the process as <see cref="Terminate(ExitReason)"/>; with <paramref name="selfExit"/> (the process ends itself,
    /// as the last thing its code does) the first process its exit wakes (a supervisor waiting for this EXIT, a watcher
    /// for this DOWN) runs on this thread at once instead of being queued on the thread pool: the thread is free, and
    /// the hop is the biggest part of a crash's restart latency.
    /// </summary>
    internal bool Terminate(ExitReason reason, bool selfExit)
    {
        var handsOff = selfExit && !StartedInline && Wakes.Begin();
        try
        {
            return TerminateCore(reason);
        }
        finally
        {
            if (handsOff)
            {
                Wakes.RunCollected();
            }
        }
    }

    private bool TerminateCore(ExitReason reason)
    {
        object? links;
        HashSet<RemotePid>? remoteLinks;
        object? monitors;
        Slot[]? leftovers;
        int head;
        int count;
        bool wakeWaiter;
        ITimer? timer;
        CancellationTokenSource? cts;
        Slot[]? inner;
        lock (_outbox.Gate)
        {
            if (_exitReason is not null)
            {
                return false;
            }

            _exitReason = reason;
            links = _links;
            _links = null;
            remoteLinks = _remoteLinks;
            _remoteLinks = null;
            monitors = _monitors;
            _monitors = null;
            leftovers = _outbox.Items;
            head = _outbox.Head;
            count = _outbox.Count;
            _outbox.Items = null;
            _outbox.Count = 0;
            // A runtime loop parked in a quiet receive has nothing left to run: it is not resumed at all, and its
            // state machine is collected. User code waiting in a receive is resumed so its finally blocks run.
            wakeWaiter = (_flags & FlagWaiting) != 0 && !_quietWait;
            _flags &= ~FlagWaiting;
            timer = _waitTimer;
            _waitTimer = null;
            _waitMatch = null;
            cts = _cts;
            inner = CloseInbox();
        }

        timer?.Dispose();
        _node.OnProcessExited(this, reason);
        CancelToken(cts);

        // The links first: by the time a caller, a monitor or a waiter hears of this exit, every linked process (a
        // supervisor) has the exit signal in its mailbox, so what the caller asks it next comes after the restart.
        SignalLinks(links, reason);
        SignalRemoteLinks(this, remoteLinks, reason);
        Extension?.OnExit(reason);
        FailCalls(leftovers, head, count, reason);
        FailInnerCalls(inner, reason);
        SignalMonitors(monitors, reason);
        if (wakeWaiter)
        {
            Wake(DeadSentinel);
        }

        return true;
    }

    /// <summary>Hands a message to this process's waiting receive: queued on the thread pool, or collected to run inline at a self-exit.</summary>
    private void Resume(object? message)
    {
        if (!Wakes.TryCollect(this, message))
        {
            Wake(message);
        }
    }

    /// <summary>Runs this process's waiting receive on the calling thread (see <see cref="Wakes"/>); its next wait is queued again.</summary>
    internal void ResumeInlineFromExit(object? message) => Slice.Run(this, message);

    private void CancelToken(CancellationTokenSource? cts)
    {
        if (cts is null)
        {
            return;
        }

        try
        {
            cts.Cancel();
        }
        catch (AggregateException ex)
        {
            _node.Log.CancellationCallbackFailed(Self, ex);
        }
    }

    private static void FailCalls(Slot[]? buffer, int head, int count, ExitReason reason)
    {
        if (buffer is null)
        {
            return;
        }

        for (var i = 0; i < count; i++)
        {
            if (buffer[(head + i) & (buffer.Length - 1)].Message is ICallRequest call)
            {
                call.Fail(reason);
            }
        }
    }

    /// <summary>
    /// Fails the calls in the inner ring, which the process may be reading at this moment: every slot is looked at, and
    /// the exit reason was published before (a taker that cleared a slot first sees it, and fails that call itself).
    /// </summary>
    private static void FailInnerCalls(Slot[]? inner, ExitReason reason)
    {
        if (inner is null)
        {
            return;
        }

        Interlocked.MemoryBarrier();
        for (var i = 0; i < inner.Length; i++)
        {
            if (Volatile.Read(ref inner[i].Message) is ICallRequest call)
            {
                call.Fail(reason);
            }
        }
    }

    public override string ToString() => Self.ToString();
}
