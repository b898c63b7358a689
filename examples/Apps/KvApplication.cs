namespace Trellis.Examples.Apps;

/// <summary>
/// Seed 003's KV rebuilt on Trellis's Registry: buckets are temporary agents under a DynamicSupervisor, named in a
/// unique registry (<c>{:via, Registry, {KV.Registry, name}}</c>), so there is no registry GenServer to write and a
/// bucket's name is free the moment it exits. A Task.Supervisor runs work that may fail without taking its caller
/// down. The whole tree is the application <c>kv</c>; durable sessions (permanent workers recorded on disk) come back
/// after the bucket supervisor or the whole OS process restarts.
/// </summary>
public static class KvApplication
{
    /// <summary>The registry of bucket names.</summary>
    public const string Registry = "KV.Registry";

    /// <summary>The buckets' DynamicSupervisor.</summary>
    public const string BucketSupervisor = "KV.BucketSupervisor";

    /// <summary>The Task.Supervisor.</summary>
    public const string TaskSupervisorName = "KV.TaskSupervisor";

    /// <summary>The durable sessions' DynamicSupervisor.</summary>
    public const string SessionSupervisor = "KV.SessionSupervisor";

    /// <summary>The application, with its sessions recorded in <paramref name="sessions"/>.</summary>
    /// <param name="sessions">Where durable sessions are recorded.</param>
    /// <returns>The spec.</returns>
    public static ApplicationSpec Spec(IDurableChildStore sessions) => new()
    {
        Name = "kv",
        Description = "seed 003's bucket store",
        Version = "1.0.0",
        Start = ctx => Supervisor.StartAsync(ctx.Node,
        [
            Trellis.Registry.Spec(new RegistryOptions { Name = Registry, Partitions = Environment.ProcessorCount }),
            ChildSpec.ForDynamicSupervisor(BucketSupervisor, new DynamicSupervisorOptions { Name = BucketSupervisor }),
            TaskSupervisor.Spec(TaskSupervisorName, new TaskSupervisorOptions { Name = TaskSupervisorName }),
            ChildSpec.ForDynamicSupervisor(SessionSupervisor, new DynamicSupervisorOptions
            {
                Name = SessionSupervisor,
                Durable = new DurableChildren { Store = sessions, Rebuild = stored => SessionSpec((string)stored.Arguments[0]!) },
            }),
        ], new SupervisorFlags { Strategy = Strategy.OneForOne, Intensity = 3 }, "KV.Supervisor"),
    };

    /// <summary>Creates the bucket <paramref name="name"/>, or finds the one that exists.</summary>
    /// <param name="node">The node.</param>
    /// <param name="name">The bucket's name.</param>
    /// <returns>The bucket.</returns>
    public static async Task<Pid> CreateAsync(Node node, string name)
    {
        ArgumentNullException.ThrowIfNull(node);
        var started = await DynamicSupervisor.StartChildAsync(node.WhereIs(BucketSupervisor), new ChildSpec
        {
            Id = "KV.Bucket",
            Restart = RestartType.Temporary,
            Start = (sup, _) => Agent.StartLinkAsync(sup, () => new Dictionary<string, int>(), new GenServerOptions { Via = Trellis.Registry.Via(Registry, name) }),
        });
        return started.IsOk ? started.Pid
            : started.Error?.Detail is AlreadyStarted taken ? taken.Pid
            : throw new InvalidOperationException($"bucket {name}: {started}");
    }

    /// <summary>The bucket <paramref name="name"/>, or <see cref="Pid.None"/> (<c>:error</c>).</summary>
    /// <param name="node">The node.</param>
    /// <param name="name">The bucket's name.</param>
    /// <returns>The bucket.</returns>
    public static Pid Lookup(Node node, string name) => Trellis.Registry.WhereIs(node, Registry, name);

    /// <summary>A session: a permanent agent holding its name, recorded so it survives restarts.</summary>
    /// <param name="user">The user.</param>
    /// <returns>The spec.</returns>
    public static ChildSpec SessionSpec(string user) => new()
    {
        Id = "session",
        Arguments = [user],
        Start = (sup, args) => Agent.StartLinkAsync(sup, () => args[0], new GenServerOptions { Via = Trellis.Registry.Via(Registry, "session:" + args[0]) }),
    };
}
