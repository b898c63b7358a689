namespace Trellis;

/// <summary>
/// A task started by <see cref="TaskSupervisor.RunAsync"/> or <see cref="TaskSupervisor.RunNolinkAsync"/>
/// (Elixir's <c>%Task{}</c>): its pid, the owner's monitor of it, and the owner. Only the owner may await, yield or
/// shut it down.
/// </summary>
public sealed class SupervisedTask
{
    internal SupervisedTask(Pid pid, MonitorRef monitor, Pid owner, bool linked)
    {
        Pid = pid;
        Ref = monitor;
        Owner = owner;
        Linked = linked;
    }

    /// <summary>The task's process.</summary>
    public Pid Pid { get; }

    /// <summary>The owner's monitor of the task: the key of its <see cref="TaskReply"/> and its <see cref="DownMessage"/>.</summary>
    public MonitorRef Ref { get; }

    /// <summary>The process that started the task and receives its reply.</summary>
    public Pid Owner { get; }

    /// <summary>True for <see cref="TaskSupervisor.RunAsync"/>: the task is linked to its owner.</summary>
    public bool Linked { get; }

    /// <summary>
    /// Waits for the task's result. If the task exits first, or <paramref name="timeout"/> passes, the caller exits
    /// (an <see cref="ExitException"/> with a <see cref="TaskAwaitExit"/> reason), as Elixir's <c>Task.await/2</c> does.
    /// </summary>
    /// <param name="owner">The calling process: the task's owner.</param>
    /// <param name="timeout">How long to wait; 5 seconds by default.</param>
    /// <returns>The task's result.</returns>
    public async ValueTask<object?> AwaitAsync(ProcessContext owner, TimeSpan? timeout = null)
    {
        CheckOwner(owner);
        var wait = timeout ?? GenServer.DefaultCallTimeout;
        var message = await owner.ReceiveAsync(IsMine, wait).ConfigureAwait(false);
        switch (message)
        {
            case TaskReply reply:
                owner.Demonitor(Ref, flush: true);
                return reply.Result;
            case DownMessage down:
                throw new ExitException(ExitReason.Of(new TaskAwaitExit(down.Reason, this, wait)));
            default:
                throw new ExitException(ExitReason.Of(new TaskAwaitExit(ExitReason.Timeout, this, wait)));
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the task's result or exit (Elixir's <c>Task.yield/2</c>).</summary>
    /// <param name="owner">The calling process: the task's owner.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>The result, the exit, or null when the task is still running.</returns>
    public async ValueTask<TaskOutcome?> YieldAsync(ProcessContext owner, TimeSpan timeout)
    {
        CheckOwner(owner);
        var message = await owner.ReceiveAsync(IsMine, timeout).ConfigureAwait(false);
        return Outcome(owner, message);
    }

    /// <summary>
    /// Stops the task (Elixir's <c>Task.shutdown/2</c>): unlinks it, sends it <c>shutdown</c> (or kills it for
    /// <see cref="Shutdown.BrutalKill"/>), and kills it when it has not exited within the timeout.
    /// </summary>
    /// <param name="owner">The calling process: the task's owner.</param>
    /// <param name="shutdown">How long the task may take to stop; 5 seconds by default.</param>
    /// <returns>The result if it arrived meanwhile, the exit if the task crashed, or null if it was shut down.</returns>
    public async ValueTask<TaskOutcome?> ShutdownAsync(ProcessContext owner, Shutdown? shutdown = null)
    {
        CheckOwner(owner);
        var how = shutdown ?? Shutdown.DefaultWorker;
        if (Linked)
        {
            owner.Unlink(Pid);
        }

        var brutal = how.Kind == ShutdownKind.BrutalKill;
        owner.Exit(Pid, brutal ? ExitReason.Kill : ExitReason.Shutdown);
        var message = await owner.ReceiveAsync(IsMine, brutal ? System.Threading.Timeout.InfiniteTimeSpan : how.Timeout).ConfigureAwait(false);
        if (message is null)
        {
            owner.Exit(Pid, ExitReason.Kill);
            message = await owner.ReceiveAsync(IsMine, System.Threading.Timeout.InfiniteTimeSpan).ConfigureAwait(false);
        }

        return message is DownMessage { Reason.Kind: ExitReasonKind.Shutdown or ExitReasonKind.Killed } down && down.Reason.Detail is null
            ? null
            : Outcome(owner, message);
    }

    /// <inheritdoc />
    public override string ToString() => $"%Task{{pid: {Pid}, ref: {Ref}, owner: {Owner}}}";

    private TaskOutcome? Outcome(ProcessContext owner, object? message)
    {
        switch (message)
        {
            case TaskReply reply:
                owner.Demonitor(Ref, flush: true);
                return TaskOutcome.Ok(reply.Result);
            case DownMessage down:
                return TaskOutcome.Exit(down.Reason);
            default:
                return null;
        }
    }

    private bool IsMine(object message) =>
        message is TaskReply reply ? ReferenceEquals(reply.Ref, Ref) : message is DownMessage down && ReferenceEquals(down.Ref, Ref);

    private void CheckOwner(ProcessContext owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        if (owner.Self != Owner)
        {
            throw new InvalidOperationException($"task {Pid} is owned by {Owner}, not by {owner.Self}: only its owner may await, yield or shut it down");
        }
    }
}
