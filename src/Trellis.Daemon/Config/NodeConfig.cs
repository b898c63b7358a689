namespace Trellis.Daemon.Config;

/// <summary>Where a node was written in the tree file, for error messages.</summary>
internal readonly record struct Mark(int Line, int Column)
{
    public override string ToString() => $"{Line}:{Column}";
}

/// <summary>A node of the tree: a supervisor, an OS program (service), or an in-process .NET worker.</summary>
internal abstract record NodeConfig
{
    /// <summary>The node's name: unique in the whole tree, since commands address nodes by it.</summary>
    public required string Name { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public Mark At { get; init; }

    public RestartType Restart { get; init; } = RestartType.Permanent;

    /// <summary>The shutdown; null for the kind's default (5 s for workers, infinity for supervisors).</summary>
    public Shutdown? Shutdown { get; init; }

    public bool Significant { get; init; }

    /// <summary>"supervisor", "service" or "dotnet".</summary>
    public abstract string Kind { get; }

    /// <summary>The node's settings as canonical JSON, without its place in the file.</summary>
    protected static string Fingerprint(NodeConfig node) => System.Text.Json.JsonSerializer.Serialize(node, node.GetType());
}

/// <summary>A supervisor and its children in start order.</summary>
internal sealed record SupervisorConfig : NodeConfig
{
    /// <summary>
    /// The root's default intensity: a service manager's root should give up only in a storm. One or two services
    /// crashing in a loop (their backoff spaces them out) never reach 100 restarts a minute; a deployment whose
    /// every service crashes at once does, and the daemon then exits 1 rather than spin for ever.
    /// </summary>
    public const int RootIntensity = 100;

    /// <summary>The root's default period.</summary>
    public static readonly TimeSpan RootPeriod = TimeSpan.FromSeconds(60);

    public Strategy Strategy { get; init; } = Strategy.OneForOne;

    public int Intensity { get; init; } = 3;

    public TimeSpan Period { get; init; } = TimeSpan.FromSeconds(5);

    public AutoShutdown AutoShutdown { get; init; } = AutoShutdown.Never;

    public IReadOnlyList<NodeConfig> Children { get; init; } = [];

    public override string Kind => "supervisor";

    /// <summary>Whether the supervisor itself (not its children) is configured the same.</summary>
    public bool SameFlags(SupervisorConfig other) =>
        Strategy == other.Strategy && Intensity == other.Intensity && Period == other.Period
        && AutoShutdown == other.AutoShutdown && Restart == other.Restart && Shutdown == other.Shutdown
        && Significant == other.Significant;
}

/// <summary>An operating-system program.</summary>
internal sealed record ServiceConfig : NodeConfig
{
    /// <summary>argv: the program and its arguments (for <c>shell</c>, /bin/sh -c and the command).</summary>
    public required IReadOnlyList<string> Command { get; init; }

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public string? WorkingDirectory { get; init; }

    public string? User { get; init; }

    public string? Group { get; init; }

    public int StopSignal { get; init; } = OsProcess.Signals.Term;

    /// <summary>The least time between two starts of the program.</summary>
    public TimeSpan RestartDelay { get; init; }

    public BackoffConfig? Backoff { get; init; }

    public ReadinessConfig? Ready { get; init; }

    /// <summary>Its cgroup limits and memory restart: its own keys over its supervisors' (the nearest one that sets each key).</summary>
    public LimitsConfig Limits { get; init; } = LimitsConfig.None;

    /// <summary>
    /// <c>placement: cluster</c>: with <c>--cluster</c>, it runs on one node of the cluster (the cluster supervisor's
    /// child), not under its supervisor here. Only directly under the root.
    /// </summary>
    public bool ClusterPlacement { get; init; }

    /// <summary>For one of <c>replicas: N</c> copies (named NAME.1 to NAME.N), NAME: no two run on one node.</summary>
    public string? ReplicaOf { get; init; }

    public override string Kind => "service";

    /// <summary>Whether two configurations run the same program the same way (what a reload compares).</summary>
    public bool SameAs(ServiceConfig other) => Fingerprint(this) == Fingerprint(other);
}

/// <summary>
/// What a service may use, through its cgroup (<c>memory_max</c>, <c>cpu_max</c>, <c>cpu_weight</c>, <c>pids_max</c>),
/// and the resident size past which the daemon restarts it (<c>restart_on_memory</c>, PM2's max_memory_restart).
/// Set on a service, or on a supervisor for every service below it that does not set the key itself.
/// </summary>
internal sealed record LimitsConfig
{
    public static readonly LimitsConfig None = new();

    /// <summary>Bytes.</summary>
    public long? MemoryMax { get; init; }

    /// <summary>CPUs: 0.5 is half of one.</summary>
    public double? CpuMax { get; init; }

    /// <summary>1 to 10000; 100 is the default share.</summary>
    public int? CpuWeight { get; init; }

    public int? PidsMax { get; init; }

    /// <summary>Bytes of resident memory (the program and its descendants) past which the service is restarted.</summary>
    public long? RestartOnMemory { get; init; }

    /// <summary>These limits, each unset one taken from <paramref name="inherited"/>.</summary>
    public LimitsConfig Over(LimitsConfig inherited) => new()
    {
        MemoryMax = MemoryMax ?? inherited.MemoryMax,
        CpuMax = CpuMax ?? inherited.CpuMax,
        CpuWeight = CpuWeight ?? inherited.CpuWeight,
        PidsMax = PidsMax ?? inherited.PidsMax,
        RestartOnMemory = RestartOnMemory ?? inherited.RestartOnMemory,
    };

    /// <summary>What the cgroup enforces.</summary>
    public OsProcess.ResourceLimits ToResourceLimits() => new()
    {
        MemoryMax = MemoryMax is { } m ? (ulong)m : null,
        CpuMax = CpuMax,
        CpuWeight = CpuWeight,
        PidsMax = PidsMax,
    };
}

/// <summary>An in-process worker: a GenServer or hosted service type from an assembly.</summary>
internal sealed record DotnetConfig : NodeConfig
{
    public required string Assembly { get; init; }

    public required string Type { get; init; }

    public string? Argument { get; init; }

    public override string Kind => "dotnet";

    /// <summary>Whether two configurations run the same worker the same way.</summary>
    public bool SameAs(DotnetConfig other) => Fingerprint(this) == Fingerprint(other);
}

/// <summary>Exponential restart backoff: each quick restart doubles (by <see cref="Factor"/>) the delay up to <see cref="Max"/>.</summary>
internal sealed record BackoffConfig
{
    public TimeSpan Initial { get; init; } = TimeSpan.FromSeconds(1);

    public double Factor { get; init; } = 2;

    public TimeSpan Max { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Uptime after which a program counts as stable and the delay starts over.</summary>
    public TimeSpan ResetAfter { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How the delay is spread, so services that crash together do not restart in lockstep.</summary>
    public BackoffJitter Jitter { get; init; } = BackoffJitter.Full;
}

/// <summary>Jitter for a backoff (as in AWS's "Exponential Backoff And Jitter").</summary>
internal enum BackoffJitter
{
    /// <summary>The exponential delay exactly: <c>min(max, initial × factor^(n-1))</c>.</summary>
    None,

    /// <summary>A uniform draw from zero to the exponential delay (the default).</summary>
    Full,

    /// <summary>A uniform draw from <c>initial</c> to the previous delay × factor, capped at <c>max</c>.</summary>
    Decorrelated,
}

/// <summary>How a service says it is ready.</summary>
internal enum ReadinessKind
{
    /// <summary>A newline on a descriptor, as s6's notification-fd.</summary>
    Fd,

    /// <summary><c>READY=1</c> on <c>$NOTIFY_SOCKET</c>, as systemd's Type=notify.</summary>
    Systemd,

    /// <summary>A command that exits 0 once the service is ready, run every interval.</summary>
    Check,
}

/// <summary>A readiness protocol and its timeout.</summary>
internal sealed record ReadinessConfig
{
    public ReadinessKind Kind { get; init; }

    public int Fd { get; init; } = 3;

    public IReadOnlyList<string> Check { get; init; } = [];

    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
}
