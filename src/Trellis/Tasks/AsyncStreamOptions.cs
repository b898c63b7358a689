namespace Trellis;

/// <summary>What a stream does with a task that runs past its timeout (Elixir's <c>:on_timeout</c>).</summary>
public enum StreamTimeout
{
    /// <summary>The caller exits with <c>{timeout, {Task.Supervised, stream, [Timeout]}}</c> (Elixir's default).</summary>
    Exit,

    /// <summary>The task is killed and the stream yields <c>{exit, timeout}</c> for it.</summary>
    KillTask,
}

/// <summary>Options of <see cref="TaskSupervisor.AsyncStream{T}"/> and <see cref="TaskSupervisor.AsyncStreamNolink{T}"/>; the defaults are Elixir's.</summary>
public sealed record AsyncStreamOptions
{
    /// <summary>How many tasks run at once; the number of processors by default.</summary>
    public int MaxConcurrency { get; init; } = Environment.ProcessorCount;

    /// <summary>Whether results come in the order of the input (true) or as the tasks finish.</summary>
    public bool Ordered { get; init; } = true;

    /// <summary>How long each task may run, from its start; five seconds by default, <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> for ever.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>What a task that runs past <see cref="Timeout"/> does to the stream.</summary>
    public StreamTimeout OnTimeout { get; init; } = StreamTimeout.Exit;

    /// <summary>How long a task may take to stop when its supervisor stops; five seconds by default.</summary>
    public Shutdown Shutdown { get; init; } = Shutdown.DefaultWorker;
}
