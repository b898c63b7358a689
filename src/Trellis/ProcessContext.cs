namespace Trellis;

/// <summary>
/// What a running process sees of itself: its pid, its mailbox, its links, monitors and trap-exit flag.
/// Passed to a process body and available to a <see cref="GenServer"/> as its context.
/// Use it only from the process's own code.
/// </summary>
/// <remarks>
/// In-process code cannot be preempted in .NET. When a process is killed, or an exit signal takes it down,
/// it is dead to the runtime at once: its links and monitors fire, its name is released, its mailbox is closed
/// and <see cref="CancellationToken"/> is cancelled. Code still running in it goes on until it observes the token
/// or touches the runtime (a receive then throws <see cref="ProcessExitedException"/>). Work that must be
/// killable at any instant belongs in an operating-system process child.
/// </remarks>
public abstract class ProcessContext
{
    private protected ProcessContext()
    {
    }

    /// <summary>This process.</summary>
    public abstract Pid Self { get; }

    /// <summary>The node this process runs on.</summary>
    public abstract Node Node { get; }

    /// <summary>Cancelled when this process exits for any reason; pass it to the I/O the process does.</summary>
    public abstract CancellationToken CancellationToken { get; }

    /// <summary>When true, exit signals (other than an untrappable kill) arrive as <see cref="ExitMessage"/> messages.</summary>
    public abstract bool TrapExit { get; set; }

    /// <summary>The number of messages waiting in the mailbox.</summary>
    public abstract int MessageQueueLength { get; }

    /// <summary>Waits for the next message, in arrival order.</summary>
    /// <returns>The message.</returns>
    /// <exception cref="ProcessExitedException">The process has exited.</exception>
    public abstract ValueTask<object> ReceiveAsync();

    /// <summary>Waits up to <paramref name="timeout"/> for the next message.</summary>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits forever, zero only looks.</param>
    /// <returns>The message, or null when the time ran out.</returns>
    /// <exception cref="ProcessExitedException">The process has exited.</exception>
    public abstract ValueTask<object?> ReceiveAsync(TimeSpan timeout);

    /// <summary>
    /// Selective receive: waits up to <paramref name="timeout"/> for the first message that <paramref name="match"/>
    /// accepts, leaving the others in the mailbox in their order. <paramref name="match"/> must be a pure test.
    /// </summary>
    /// <param name="match">Which message to take.</param>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits forever.</param>
    /// <returns>The message, or null when the time ran out.</returns>
    /// <exception cref="ProcessExitedException">The process has exited.</exception>
    public abstract ValueTask<object?> ReceiveAsync(Predicate<object> match, TimeSpan timeout);

    /// <summary>Starts a new process running <paramref name="body"/>.</summary>
    /// <param name="body">The process's code; when it returns the process exits <c>normal</c>.</param>
    /// <returns>The new process.</returns>
    public abstract Pid Spawn(Func<ProcessContext, ValueTask> body);

    /// <summary>Starts a new process linked to this one, atomically.</summary>
    /// <param name="body">The process's code.</param>
    /// <returns>The new process.</returns>
    public abstract Pid SpawnLink(Func<ProcessContext, ValueTask> body);

    /// <summary>Starts a new process monitored by this one, atomically.</summary>
    /// <param name="body">The process's code.</param>
    /// <returns>The new process and the monitor.</returns>
    public abstract (Pid Pid, MonitorRef Monitor) SpawnMonitor(Func<ProcessContext, ValueTask> body);

    /// <summary>
    /// Links this process to <paramref name="other"/>: when either exits, the other receives an exit signal.
    /// Links are bidirectional and idempotent. Linking to a dead process sends this process an exit signal
    /// with reason <c>noproc</c>: a message when trapping exits, otherwise an <see cref="ExitException"/>.
    /// </summary>
    /// <param name="other">The process to link to.</param>
    public abstract void Link(Pid other);

    /// <summary>Removes the link to <paramref name="other"/>, if any. Afterwards the link has no effect.</summary>
    /// <param name="other">The linked process.</param>
    public abstract void Unlink(Pid other);

    /// <summary>
    /// Monitors <paramref name="target"/>: when it exits, a <see cref="DownMessage"/> arrives. Monitors stack;
    /// monitoring a dead process gives an immediate DOWN with reason <c>noproc</c>.
    /// </summary>
    /// <param name="target">The process to watch.</param>
    /// <returns>The monitor.</returns>
    public abstract MonitorRef Monitor(Pid target);

    /// <summary>Removes a monitor. With <paramref name="flush"/>, also removes its DOWN message if one has arrived.</summary>
    /// <param name="monitor">The monitor.</param>
    /// <param name="flush">Whether to remove a DOWN already in the mailbox.</param>
    /// <returns>True if the monitor was still active.</returns>
    public abstract bool Demonitor(MonitorRef monitor, bool flush = false);

    /// <summary>
    /// Sends an exit signal to <paramref name="target"/> (Erlang's <c>exit(Pid, Reason)</c>). <c>kill</c> is untrappable
    /// and gives <c>killed</c>; <c>normal</c> is ignored by a process that does not trap exits, unless it is this process.
    /// </summary>
    /// <param name="target">The process to signal.</param>
    /// <param name="reason">The reason.</param>
    public abstract void Exit(Pid target, ExitReason reason);

    /// <summary>Sends <paramref name="message"/> to <paramref name="to"/>; see <see cref="Pid.Send(object)"/>.</summary>
    /// <param name="to">The receiver.</param>
    /// <param name="message">The message.</param>
    /// <returns>True if the receiver was alive.</returns>
    public abstract bool Send(Pid to, object message);
}
