using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Threading.Tasks.Sources;

namespace Trellis.Internal;

/// <summary>
/// The mailbox, in two rings as the BEAM's outer and inner queues: senders append to the outer one under the lock; the
/// process itself takes the whole outer ring at once when its inner one is empty, and then reads the inner one without
/// the lock, so a busy process and its senders do not meet on the lock at every message. At most one receive waits,
/// and a sender hands its message to it directly. A cast is kept as its bare request with a mark in its slot, not in
/// an envelope object: a server's loop takes it as it is, and only a plain receive sees it wrapped.
/// </summary>
internal sealed partial class LocalProcess : IValueTaskSource<object?>
{
    // The outer ring, in an object of its own that is also the process's lock, so the senders' writes (the ring's
    // fields and the lock word) stay off the lines the process reads at every message.
    private readonly Outbox _outbox = new();

    // The inner ring, made at the first batch: only the process's own receives change it; Terminate, from any thread,
    // marks it closed and scans its slots for calls to fail. Every message is in at least one slot while it moves, and
    // a slot is cleared before the taker checks the mark, so every call is failed by one side or the other (failing is
    // idempotent). It is an object of its own, padded, so the senders' writes to the outer ring's fields do not evict
    // the line the process reads at every message.
    private Inbox? _inbox;

    private ManualResetValueTaskSourceCore<object?> _waiter;
    private Predicate<object>? _waitMatch;
    private ITimer? _waitTimer;
    private long _received;
    private bool _quietWait;
    private bool _handedCast;
    private bool _lastCast;

    // The waiting receive's continuation is registered (its await has parked): resuming it now runs the process on the
    // resumer's thread. Cleared at each new wait, set by OnCompleted.
    private volatile bool _parked;

    private static readonly bool MultiCore = Environment.ProcessorCount > 1;

    /// <summary>What a quiet receive returns once the process has exited (internal loops end on it without an exception).</summary>
    internal static readonly object DeadSentinel = new();

    public override int MessageQueueLength
    {
        get
        {
            lock (_outbox.Gate)
            {
                return _outbox.Count + (_inbox?.Count ?? 0);
            }
        }
    }

    /// <summary>Messages taken out of the mailbox so far.</summary>
    public long MessagesReceived => Interlocked.Read(ref _received) + (_inbox is { } inbox ? Interlocked.Read(ref inbox.Taken) : 0);

    /// <summary>Whether the message the last quiet receive returned is a cast's bare request. The process's own.</summary>
    internal bool LastReceivedCast => _lastCast;

    /// <summary>A hint, read without the lock by the process itself: nothing waits in its mailbox, so its next receive will wait.</summary>
    internal bool LooksIdle => _inbox is not { Count: > 0 } && Volatile.Read(ref _outbox.Count) == 0;

    /// <summary>The lock that guards the process's state.</summary>
    internal Lock Sync => _outbox.Gate;

    /// <summary>Puts a message in the mailbox, or hands it to the waiting receive. False if the process is dead.</summary>
    internal bool Enqueue(object message) => Enqueue(message, cast: false);

    /// <summary>Puts a cast's request in the mailbox, marked as a cast. False if the process is dead.</summary>
    internal bool EnqueueCast(object request) => Enqueue(request, cast: true);

    private bool Enqueue(object message, bool cast)
    {
        if (!Put(message, cast, out var handed))
        {
            return false;
        }

        if (handed)
        {
            Wake(message);
        }

        return true;
    }

    /// <summary>
    /// Puts a local caller's call in the mailbox. When it goes to a waiting receive of a server that takes calls on its
    /// callers' threads, the server runs on this thread (<see cref="Slice.TryRunCallee"/>) instead of being queued.
    /// False if the process is dead.
    /// </summary>
    internal bool EnqueueCall(CallRequest call)
    {
        if (MultiCore && !ReadyForCaller() && Slice.CanRunCallee)
        {
            AwaitReadyForCaller();
        }

        if (!Put(call, cast: false, out var handed))
        {
            return false;
        }

        if (handed && (!TakesCallsInline || !Slice.TryRunCallee(this, call)))
        {
            Wake(call);
        }

        return true;
    }

    /// <summary>
    /// Puts a message in the mailbox, or hands it to the waiting receive (<paramref name="handed"/>: the caller must
    /// then resume that receive, once). False if the process is dead.
    /// </summary>
    private bool Put(object message, bool cast, out bool handed)
    {
        ITimer? timer = null;
        lock (_outbox.Gate)
        {
            if (_exitReason is not null)
            {
                handed = false;
                return false;
            }

            handed = EnqueueLocked(message, cast, ref timer);
        }

        timer?.Dispose();
        return true;
    }

    /// <summary>
    /// Set by a server's loop (a GenServer's) that leaves its caller's thread before anything but the call it was
    /// given: it may then run on the thread of a caller that waits for it (<see cref="Slice.TryRunCallee"/>).
    /// </summary>
    internal bool TakesCallsInline { get; set; }

    /// <summary>
    /// How many times a caller spins in <see cref="AwaitReadyForCaller"/>: Thread.SpinWait(1) takes some 50 ns (the
    /// runtime normalizes it across processors), about 2 us in all. Tests that must not depend on a thread being
    /// scheduled within that time raise it while nothing else runs.
    /// </summary>
    internal static int FirstReceiveSpins { get; set; } = 40;

    /// <summary>
    /// Whether a call need not wait before it is put in: the server waits with its await parked (a call then runs it
    /// on the caller's thread), or it is neither in a start on its starter's thread nor beginning to wait (it is busy,
    /// or it is not a server that takes calls inline). A hint, read without the lock.
    /// </summary>
    private bool ReadyForCaller()
    {
        var flags = Volatile.Read(ref _flags);
        return (flags & FlagWaiting) != 0 ? _parked || !TakesCallsInline : (flags & FlagInline) == 0;
    }

    /// <summary>
    /// Spins, for about two microseconds at most, until the server is ready for a call (<see cref="ReadyForCaller"/>).
    /// Two moments make a call wait so: the server's start runs on its starter's thread (proc_lib style) and has not
    /// reached its first receive, the usual case being a client that finds a restarted server by its name, which is
    /// registered before init runs; and a server caught as it begins to wait has not parked its await, so that
    /// resuming it would only mark it done, and its continuation would go to the thread pool when it parks. Either
    /// way the call would cost the server a thread-pool hop and the caller a wake-up. Not on one core, where the spin
    /// would only delay the server, and not for a caller that could not run the server anyway
    /// (<see cref="Slice.CanRunCallee"/>).
    /// </summary>
    private void AwaitReadyForCaller()
    {
        var spins = FirstReceiveSpins;
        for (var i = 0; i < spins && !ReadyForCaller(); i++)
        {
            Thread.SpinWait(1);
        }
    }

    /// <summary>Returns true when the message went to the waiting receive, which the caller must then complete outside the lock.</summary>
    private bool EnqueueLocked(object message, ref ITimer? timer) => EnqueueLocked(message, cast: false, ref timer);

    private bool EnqueueLocked(object message, bool cast, ref ITimer? timer)
    {
        Debug.Assert(_outbox.Gate.IsHeldByCurrentThread, "EnqueueLocked runs under the process's lock");
        if ((_flags & FlagWaiting) != 0 && (_waitMatch is null || _waitMatch(View(message, cast))))
        {
            _flags &= ~FlagWaiting;
            _waitMatch = null;
            timer = _waitTimer;
            _waitTimer = null;
            _handedCast = cast;
            _received++;
            return true;
        }

        Push(new Slot(message, cast));
        return false;
    }

    private void Push(Slot slot)
    {
        Debug.Assert(_outbox.Gate.IsHeldByCurrentThread, "the outer ring is written under the lock");
        if (_outbox.Items is null)
        {
            _outbox.Items = new Slot[4];
        }
        else if (_outbox.Count == _outbox.Items.Length)
        {
            var bigger = new Slot[_outbox.Items.Length * 2];
            for (var i = 0; i < _outbox.Count; i++)
            {
                bigger[i] = _outbox.Items[(_outbox.Head + i) & (_outbox.Items.Length - 1)];
            }

            _outbox.Items = bigger;
            _outbox.Head = 0;
        }

        _outbox.Items[(_outbox.Head + _outbox.Count) & (_outbox.Items.Length - 1)] = slot;
        _outbox.Count++;
        AssertRing(_outbox.Items, _outbox.Head, _outbox.Count);
    }

    /// <summary>A ring's invariants: a power-of-two length, head and count within it, every counted slot holding a message.</summary>
    [Conditional("DEBUG")]
    private static void AssertRing(Slot[]? items, int head, int count)
    {
        if (items is null)
        {
            Debug.Assert(count == 0, "a ring without slots holds nothing");
            return;
        }

        Debug.Assert(items.Length > 0 && (items.Length & (items.Length - 1)) == 0, "a ring's length is a power of two");
        Debug.Assert((uint)head < (uint)items.Length, "a ring's head is within it");
        Debug.Assert((uint)count <= (uint)items.Length, "a ring holds at most its length");
        Debug.Assert(count == 0 || items[(head + count - 1) & (items.Length - 1)].Message is not null, "a ring's newest slot holds a message");
    }

    /// <summary>Takes the message at <paramref name="index"/> out of a ring, moving the ones before it up by one.</summary>
    private static Slot RemoveAt(Slot[] buffer, ref int head, int index)
    {
        var mask = buffer.Length - 1;
        var slot = buffer[(head + index) & mask];
        for (var i = index; i > 0; i--)
        {
            ref var to = ref buffer[(head + i) & mask];
            ref readonly var from = ref buffer[(head + i - 1) & mask];
            to.Cast = from.Cast;
            Volatile.Write(ref to.Message, from.Message);
        }

        Volatile.Write(ref buffer[head].Message, null);
        head = (head + 1) & mask;
        return slot;
    }

    /// <summary>Under the lock: the outer ring's message at <paramref name="index"/>.</summary>
    private Slot RemoveOuterAt(int index)
    {
        Debug.Assert(_outbox.Gate.IsHeldByCurrentThread, "the outer ring is read under the lock");
        Debug.Assert((uint)index < (uint)_outbox.Count, "a removed message is in the ring");
        var slot = RemoveAt(_outbox.Items!, ref _outbox.Head, index);
        _outbox.Count--;
        _received++;
        return slot;
    }

    /// <summary>The process's own: the inner ring's message at <paramref name="index"/>.</summary>
    private static Slot RemoveInnerAt(Inbox inbox, int index)
    {
        Debug.Assert((uint)index < (uint)inbox.Count, "a removed message is in the ring");
        var slot = RemoveAt(inbox.Items!, ref inbox.Head, index);
        inbox.Count--;
        inbox.Taken++;
        return slot;
    }

    /// <summary>
    /// The process's own receive, without the lock: the oldest message of the inner ring, or null when it is empty or
    /// the process has exited (a call taken then is failed here, in case Terminate's scan no longer saw it).
    /// </summary>
    private object? TakeInner(bool quiet)
    {
        if (_inbox is not { Count: > 0 } inbox)
        {
            return null;
        }

        var slot = RemoveInnerAt(inbox, 0);
        if (!slot.Cast && slot.Message is ICallRequest call)
        {
            // A call must be failed by one side: the slot is cleared before the mark is read (a full fence, as the
            // scan on Terminate's side sets the mark before it reads the slots), so this side or the scan sees it.
            Interlocked.MemoryBarrier();
            if (inbox.Closed)
            {
                call.Fail(_exitReason!);
                return null;
            }
        }
        else if (inbox.Closed)
        {
            // Nothing to fail for anything else; a message taken in the instant the process is killed is one that
            // was in its mailbox before the kill, as if the kill had come a moment later.
            return null;
        }

        return Deliver(slot, quiet);
    }

    /// <summary>A runtime loop gets a cast's bare request and the mark; any other receive gets the envelope.</summary>
    private object Deliver(Slot slot, bool quiet)
    {
        if (quiet)
        {
            // Written only when it changes: a run of casts (or of anything else) leaves the process's line alone.
            if (_lastCast != slot.Cast)
            {
                _lastCast = slot.Cast;
            }

            return slot.Message!;
        }

        return View(slot);
    }

    /// <summary>The message as user code sees it.</summary>
    private static object View(in Slot slot) => View(slot.Message!, slot.Cast);

    private static object View(object message, bool cast) => cast ? new CastRequest(message) : message;

    /// <summary>
    /// Under the lock, with the inner ring empty: the outer ring becomes the inner one, and the old inner array the
    /// outer. Returns the inbox.
    /// </summary>
    private Inbox SwapRings()
    {
        Debug.Assert(_outbox.Gate.IsHeldByCurrentThread, "the rings are swapped under the lock");
        Debug.Assert(_inbox is not { Count: > 0 }, "the rings are swapped only when the inner one is empty");
        AssertRing(_outbox.Items, _outbox.Head, _outbox.Count);
        var inbox = _inbox ??= new Inbox();
        (inbox.Items, _outbox.Items) = (_outbox.Items, inbox.Items);
        inbox.Head = _outbox.Head;
        _outbox.Head = 0;
        inbox.Count = _outbox.Count;
        _outbox.Count = 0;
        return inbox;
    }

    /// <summary>Under the lock, as the process exits: closes the inner ring and returns its slots, for Terminate's scan.</summary>
    private Slot[]? CloseInbox()
    {
        if (_inbox is not { } inbox)
        {
            return null;
        }

        inbox.Closed = true;
        return inbox.Items;
    }

    /// <summary>Removes every queued message that <paramref name="match"/> accepts; returns how many. The process's own.</summary>
    internal int RemoveAll(Predicate<object> match)
    {
        lock (_outbox.Gate)
        {
            var removed = 0;
            for (var i = (_inbox?.Count ?? 0) - 1; i >= 0; i--)
            {
                var inbox = _inbox!;
                if (match(View(inbox.Items![(inbox.Head + i) & (inbox.Items.Length - 1)])))
                {
                    RemoveAt(inbox.Items, ref inbox.Head, i);
                    inbox.Count--;
                    removed++;
                }
            }

            if (_outbox.Items is null || _outbox.Count == 0)
            {
                return removed;
            }

            var mask = _outbox.Items.Length - 1;
            var kept = 0;
            for (var i = 0; i < _outbox.Count; i++)
            {
                var slot = _outbox.Items[(_outbox.Head + i) & mask];
                if (!match(View(slot)))
                {
                    _outbox.Items[(_outbox.Head + kept) & mask] = slot;
                    kept++;
                }
            }

            for (var i = kept; i < _outbox.Count; i++)
            {
                _outbox.Items[(_outbox.Head + i) & mask] = default;
            }

            removed += _outbox.Count - kept;
            _outbox.Count = kept;
            return removed;
        }
    }

    public override ValueTask<object> ReceiveAsync()
    {
        if (TakeInner(quiet: false) is { } next)
        {
            return new ValueTask<object>(next);
        }

        lock (_outbox.Gate)
        {
            ThrowIfDead();
            if (_outbox.Count > 0)
            {
                return new ValueTask<object>(View(RemoveInnerAt(SwapRings(), 0)));
            }

            BeginWaitLocked(null, quiet: false);
        }

        return new ValueTask<object>((IValueTaskSource<object>)(object)this, _waiter.Version);
    }

    public override ValueTask<object?> ReceiveAsync(TimeSpan timeout) => ReceiveCoreAsync(null, timeout, quiet: false);

    public override ValueTask<object?> ReceiveAsync(Predicate<object> match, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(match);
        return ReceiveCoreAsync(match, timeout, quiet: false);
    }

    /// <summary>
    /// A receive for the runtime's own loops: returns <see cref="DeadSentinel"/> instead of throwing once the process
    /// has exited, and a cast as its bare request with <see cref="LastReceivedCast"/> set.
    /// </summary>
    internal ValueTask<object?> ReceiveQuietAsync(TimeSpan timeout) => ReceiveCoreAsync(null, timeout, quiet: true);

    /// <summary>The process's own: the next message already in its inner ring, as a quiet receive returns it, without an await.</summary>
    internal bool TryTakeQuiet([NotNullWhen(true)] out object? message)
    {
        message = TakeInner(quiet: true);
        return message is not null;
    }

    private ValueTask<object?> ReceiveCoreAsync(Predicate<object>? match, TimeSpan timeout, bool quiet)
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "a receive timeout must be zero or more, or Timeout.InfiniteTimeSpan");
        }

        if (match is null && TakeInner(quiet) is { } next)
        {
            return new ValueTask<object?>(next);
        }

        short version;
        lock (_outbox.Gate)
        {
            if (_lastCast)
            {
                _lastCast = false;
            }

            if (quiet && _exitReason is not null)
            {
                return new ValueTask<object?>(DeadSentinel);
            }

            ThrowIfDead();
            if (match is null)
            {
                if (_outbox.Count > 0)
                {
                    return new ValueTask<object?>(Deliver(RemoveInnerAt(SwapRings(), 0), quiet));
                }
            }
            else
            {
                for (var i = 0; i < (_inbox?.Count ?? 0); i++)
                {
                    var inbox = _inbox!;
                    if (match(View(inbox.Items![(inbox.Head + i) & (inbox.Items.Length - 1)])))
                    {
                        return new ValueTask<object?>(View(RemoveInnerAt(inbox, i)));
                    }
                }

                for (var i = 0; i < _outbox.Count; i++)
                {
                    if (match(View(_outbox.Items![(_outbox.Head + i) & (_outbox.Items.Length - 1)])))
                    {
                        return new ValueTask<object?>(View(RemoveOuterAt(i)));
                    }
                }
            }

            if (timeout == TimeSpan.Zero)
            {
                return new ValueTask<object?>((object?)null);
            }

            BeginWaitLocked(match, quiet);
            version = _waiter.Version;
        }

        if (timeout != Timeout.InfiniteTimeSpan)
        {
            ArmTimeout(timeout, version);
        }

        return new ValueTask<object?>(this, version);
    }

    private void BeginWaitLocked(Predicate<object>? match, bool quiet)
    {
        Debug.Assert(_outbox.Gate.IsHeldByCurrentThread, "BeginWaitLocked runs under the process's lock");
        Debug.Assert((_flags & FlagWaiting) == 0, "at most one receive waits");
        _waiter.Reset();
        _quietWait = quiet;
        _handedCast = false;
        _waitMatch = match;
        _parked = false;
        _flags |= FlagWaiting;
    }

    private void ArmTimeout(TimeSpan timeout, short version)
    {
        var timer = _node.TimeProvider.CreateTimer(static s => ((WaitTimeout)s!).Fire(), new WaitTimeout(this, version), timeout, Timeout.InfiniteTimeSpan);
        lock (_outbox.Gate)
        {
            if ((_flags & FlagWaiting) != 0 && _waiter.Version == version && _waitTimer is null)
            {
                _waitTimer = timer;
                return;
            }
        }

        timer.Dispose();
    }

    private void OnWaitTimeout(short version)
    {
        ITimer? timer;
        lock (_outbox.Gate)
        {
            if ((_flags & FlagWaiting) == 0 || _waiter.Version != version)
            {
                return;
            }

            _flags &= ~FlagWaiting;
            _waitMatch = null;
            timer = _waitTimer;
            _waitTimer = null;
        }

        timer?.Dispose();
        Wake(null);
    }

    object? IValueTaskSource<object?>.GetResult(short token)
    {
        var result = _waiter.GetResult(token);
        if (ReferenceEquals(result, DeadSentinel))
        {
            return _quietWait ? result : throw new ProcessExitedException(_exitReason!);
        }

        if (_quietWait)
        {
            _lastCast = _handedCast;
            return result;
        }

        return result is null ? null : View(result, _handedCast);
    }

    ValueTaskSourceStatus IValueTaskSource<object?>.GetStatus(short token) => _waiter.GetStatus(token);

    void IValueTaskSource<object?>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        _waiter.OnCompleted(continuation, state, token, flags);
        _parked = true;
    }

    /// <summary>
    /// The inner ring's state. The fields sit 64 bytes into a 128-byte object, so no other object's fields share
    /// their cache line.
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private sealed class Inbox
    {
        [FieldOffset(64)]
        public Slot[]? Items;

        [FieldOffset(72)]
        public int Head;

        [FieldOffset(76)]
        public volatile int Count;

        [FieldOffset(80)]
        public volatile bool Closed;

        /// <summary>Messages the process took from this ring (it alone counts them).</summary>
        [FieldOffset(88)]
        public long Taken;
    }

    /// <summary>The outer ring's state, and the process's lock.</summary>
    private sealed class Outbox
    {
        /// <summary>The process's lock: a <see cref="Lock"/>, whose enter and exit stay in managed code (a monitor's go through the runtime).</summary>
        public readonly Lock Gate = new();


        public Slot[]? Items;
        public int Head;
        public int Count;
    }

    /// <summary>A message in a ring: the message, and whether it is a cast's bare request.</summary>
    private struct Slot(object message, bool cast)
    {
        public object? Message = message;
        public bool Cast = cast;
    }

    private sealed class WaitTimeout(LocalProcess process, short version)
    {
        public void Fire() => process.OnWaitTimeout(version);
    }
}
