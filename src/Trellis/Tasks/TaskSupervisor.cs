using Trellis.Internal;

namespace Trellis;

/// <summary>
/// Elixir's <c>Task.Supervisor</c>: a <see cref="DynamicSupervisor"/> for tasks. <see cref="StartChildAsync"/> starts
/// fire-and-forget work (temporary by default); <see cref="RunNolinkAsync"/> (<c>async_nolink</c>) runs work whose crash
/// the caller sees as a <see cref="DownMessage"/> and survives; <see cref="RunAsync"/> (<c>async</c>) links the task to
/// the caller; <see cref="AsyncStream{T}"/> and <see cref="AsyncStreamNolink{T}"/> run one task per item with bounded
/// concurrency. Tasks are shut down with their supervisor.
/// </summary>
public static class TaskSupervisor
{
    /// <summary>Starts a task supervisor linked to <paramref name="parent"/>.</summary>
    /// <param name="parent">The calling process.</param>
    /// <param name="options">Its options.</param>
    /// <param name="cancellationToken">Stops waiting for the start: the starting process is killed and the call throws <see cref="OperationCanceledException"/>.</param>
    /// <returns><c>{ok, Pid}</c> or an error.</returns>
    public static ValueTask<StartResult> StartLinkAsync(ProcessContext parent, TaskSupervisorOptions? options = null, CancellationToken cancellationToken = default) =>
        DynamicSupervisor.StartLinkAsync(parent, (options ?? new TaskSupervisorOptions()).ToDynamic(), cancellationToken);

    /// <summary>Starts a task supervisor linked to no process.</summary>
    /// <param name="node">The node.</param>
    /// <param name="options">Its options.</param>
    /// <param name="cancellationToken">Stops waiting for the start: the starting process is killed and the call throws <see cref="OperationCanceledException"/>.</param>
    /// <returns><c>{ok, Pid}</c> or an error.</returns>
    public static ValueTask<StartResult> StartAsync(Node node, TaskSupervisorOptions? options = null, CancellationToken cancellationToken = default) =>
        DynamicSupervisor.StartAsync(node, (options ?? new TaskSupervisorOptions()).ToDynamic(), cancellationToken);

    /// <summary>A child spec for a task supervisor under another supervisor.</summary>
    /// <param name="id">The child's id.</param>
    /// <param name="options">Its options.</param>
    /// <returns>The spec.</returns>
    public static ChildSpec Spec(object id, TaskSupervisorOptions? options = null) =>
        ChildSpec.ForDynamicSupervisor(id, (options ?? new TaskSupervisorOptions()).ToDynamic()) with { Modules = ["Task.Supervisor"] };

    /// <summary>
    /// Starts a task that is linked to the supervisor only (<c>start_child/3</c>). Its result is dropped.
    /// </summary>
    /// <param name="supervisor">The task supervisor.</param>
    /// <param name="work">The task's body.</param>
    /// <param name="restart">Temporary by default; transient restarts it after a crash.</param>
    /// <param name="shutdown">How long it may take to stop; 5 seconds by default.</param>
    /// <param name="cancellationToken">Stops waiting for the answer (the task may still start).</param>
    /// <returns><c>{ok, Pid}</c>, or <c>{error, max_children}</c>.</returns>
    public static ValueTask<StartResult> StartChildAsync(Pid supervisor, Func<ProcessContext, ValueTask> work, RestartType restart = RestartType.Temporary, Shutdown? shutdown = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        var spec = new ChildSpec
        {
            Id = "Task",
            Start = (sup, _) => new(StartResult.Ok(sup.SpawnLink(work))),
            Restart = restart,
            Shutdown = shutdown ?? Shutdown.DefaultWorker,
            Modules = ["Task"],
        };
        return DynamicSupervisor.StartChildAsync(supervisor, spec, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="work"/> under the supervisor, linked to and monitored by the caller (<c>async/3</c>): a crash
    /// of the task takes the caller down unless it traps exits.
    /// </summary>
    /// <param name="owner">The calling process.</param>
    /// <param name="supervisor">The task supervisor.</param>
    /// <param name="work">The task's body; what it returns is the task's result.</param>
    /// <param name="shutdown">How long it may take to stop when its supervisor stops; 5 seconds by default.</param>
    /// <returns>The task.</returns>
    /// <exception cref="InvalidOperationException">The supervisor is at its <see cref="TaskSupervisorOptions.MaxChildren"/>, or the start failed.</exception>
    public static ValueTask<SupervisedTask> RunAsync(ProcessContext owner, Pid supervisor, Func<ProcessContext, ValueTask<object?>> work, Shutdown? shutdown = null) =>
        StartTaskAsync(owner, supervisor, work, shutdown, link: true);

    /// <summary>
    /// Runs <paramref name="work"/> under the supervisor, monitored by the caller but not linked (<c>async_nolink/3</c>).
    /// The caller receives a <see cref="TaskReply"/> and then a <see cref="DownMessage"/> with <c>normal</c>, or only the
    /// DOWN with the crash reason; it is never taken down by the task.
    /// </summary>
    /// <param name="owner">The calling process.</param>
    /// <param name="supervisor">The task supervisor.</param>
    /// <param name="work">The task's body; what it returns is the task's result.</param>
    /// <param name="shutdown">How long it may take to stop when its supervisor stops; 5 seconds by default.</param>
    /// <returns>The task.</returns>
    /// <exception cref="InvalidOperationException">The supervisor is at its <see cref="TaskSupervisorOptions.MaxChildren"/>, or the start failed.</exception>
    public static ValueTask<SupervisedTask> RunNolinkAsync(ProcessContext owner, Pid supervisor, Func<ProcessContext, ValueTask<object?>> work, Shutdown? shutdown = null) =>
        StartTaskAsync(owner, supervisor, work, shutdown, link: false);

    /// <summary>
    /// Runs <paramref name="work"/> once per item under the supervisor, each task linked to the caller, at most
    /// <see cref="AsyncStreamOptions.MaxConcurrency"/> at a time (<c>async_stream/4</c>). Each result is
    /// <c>{ok, Value}</c>, or <c>{exit, timeout}</c> for a task killed at its timeout with
    /// <see cref="StreamTimeout.KillTask"/>; a task that crashes takes the caller down unless it traps exits (then the
    /// result is <c>{exit, Reason}</c>). The caller must be the process that enumerates; leaving the loop early kills
    /// the tasks still running.
    /// </summary>
    /// <typeparam name="T">The items' type.</typeparam>
    /// <param name="owner">The calling process; it enumerates the stream and receives the tasks' replies.</param>
    /// <param name="supervisor">The task supervisor.</param>
    /// <param name="items">The input, read as tasks are started.</param>
    /// <param name="work">The task's body for one item.</param>
    /// <param name="options">Concurrency, order, timeout; Elixir's defaults when null.</param>
    /// <param name="cancellationToken">Ends the stream: running tasks are killed and the enumeration throws.</param>
    /// <returns>The results.</returns>
    /// <exception cref="ExitException">A task ran past its timeout with <see cref="StreamTimeout.Exit"/>.</exception>
    /// <exception cref="InvalidOperationException">The supervisor is at its <see cref="TaskSupervisorOptions.MaxChildren"/>.</exception>
    public static IAsyncEnumerable<TaskOutcome> AsyncStream<T>(ProcessContext owner, Pid supervisor, IEnumerable<T> items, Func<ProcessContext, T, ValueTask<object?>> work, AsyncStreamOptions? options = null, CancellationToken cancellationToken = default) =>
        Stream(owner, supervisor, items, work, options, link: true, cancellationToken);

    /// <summary>
    /// As <see cref="AsyncStream{T}"/>, with tasks not linked to the caller (<c>async_stream_nolink/4</c>): a task that
    /// crashes yields <c>{exit, Reason}</c> and the caller carries on.
    /// </summary>
    /// <typeparam name="T">The items' type.</typeparam>
    /// <param name="owner">The calling process; it enumerates the stream.</param>
    /// <param name="supervisor">The task supervisor.</param>
    /// <param name="items">The input.</param>
    /// <param name="work">The task's body for one item.</param>
    /// <param name="options">Concurrency, order, timeout; Elixir's defaults when null.</param>
    /// <param name="cancellationToken">Ends the stream: running tasks are killed and the enumeration throws.</param>
    /// <returns>The results: <c>{ok, Value}</c> or <c>{exit, Reason}</c>.</returns>
    public static IAsyncEnumerable<TaskOutcome> AsyncStreamNolink<T>(ProcessContext owner, Pid supervisor, IEnumerable<T> items, Func<ProcessContext, T, ValueTask<object?>> work, AsyncStreamOptions? options = null, CancellationToken cancellationToken = default) =>
        Stream(owner, supervisor, items, work, options, link: false, cancellationToken);

    /// <summary>The pids of the supervisor's running tasks (restarting ones are left out).</summary>
    /// <param name="supervisor">The task supervisor.</param>
    /// <param name="cancellationToken">Stops waiting for the answer.</param>
    /// <returns>The pids.</returns>
    public static async ValueTask<IReadOnlyList<Pid>> ChildrenAsync(Pid supervisor, CancellationToken cancellationToken = default) =>
        [.. (await DynamicSupervisor.WhichChildrenAsync(supervisor, cancellationToken).ConfigureAwait(false)).Where(c => !c.Pid.IsNone).Select(c => c.Pid)];

    /// <summary>Terminates a task: <c>ok</c>, or <c>{error, not_found}</c>.</summary>
    /// <param name="supervisor">The task supervisor.</param>
    /// <param name="task">The task's pid.</param>
    /// <param name="cancellationToken">Stops waiting for the answer.</param>
    /// <returns>The result.</returns>
    public static ValueTask<SupervisorResult> TerminateChildAsync(Pid supervisor, Pid task, CancellationToken cancellationToken = default) =>
        DynamicSupervisor.TerminateChildAsync(supervisor, task, cancellationToken);

    private static IAsyncEnumerable<TaskOutcome> Stream<T>(ProcessContext owner, Pid supervisor, IEnumerable<T> items, Func<ProcessContext, T, ValueTask<object?>> work, AsyncStreamOptions? options, bool link, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(work);
        options ??= new AsyncStreamOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrency, 1, nameof(options));
        if (options.Timeout < TimeSpan.Zero && options.Timeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Timeout, "AsyncStreamOptions.Timeout must be positive or Timeout.InfiniteTimeSpan");
        }

        return TaskStream.RunAsync(owner, supervisor, items, work, options, link, cancellationToken);
    }

    internal static async ValueTask<SupervisedTask> StartTaskAsync(ProcessContext owner, Pid supervisor, Func<ProcessContext, ValueTask<object?>> work, Shutdown? shutdown, bool link)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(work);
        var watcher = (LocalProcess)owner;
        var ownerPid = owner.Self;
        MonitorRef? monitor = null;
        var spec = new ChildSpec
        {
            Id = "Task",
            Start = (sup, _) =>
            {
                // The task is monitored (and linked) by its owner before it runs, so no reply or exit can come first.
                var (pid, watch) = ((LocalProcess)sup).SpawnLinkWatched((ctx, m) => RunTaskAsync(ctx, work, ownerPid, m), watcher, link);
                monitor = watch;
                return new(StartResult.Ok(pid));
            },
            Restart = RestartType.Temporary,
            Shutdown = shutdown ?? Shutdown.DefaultWorker,
            Modules = ["Task"],
        };
        var started = await DynamicSupervisor.StartChildAsync(supervisor, spec).ConfigureAwait(false);
        if (!started.IsOk || started.Pid.IsNone || monitor is null)
        {
            throw started.Error == SupervisorErrors.MaxChildren
                ? new InvalidOperationException($"reached the maximum number of tasks for this task supervisor ({supervisor})")
                : new InvalidOperationException($"the task supervisor {supervisor} did not start the task: {started}");
        }

        return new SupervisedTask(started.Pid, monitor, ownerPid, link);
    }

    private static async ValueTask RunTaskAsync(ProcessContext context, Func<ProcessContext, ValueTask<object?>> work, Pid owner, MonitorRef monitor)
    {
        var result = await work(context).ConfigureAwait(false);
        owner.Send(new TaskReply(monitor, result));
    }

}
