using System.Text.Json;
using Trellis.Daemon.Config;
using Trellis.Daemon.Runtime;

namespace Trellis.Daemon.Api;

/// <summary>A node as the JSON API shows it (snake_case on the wire).</summary>
internal sealed record NodeView
{
    public required string Name { get; init; }

    /// <summary>supervisor, service or dotnet.</summary>
    public required string Kind { get; init; }

    /// <summary>pending, backoff, starting, running, stopped, exited, crashed, failed.</summary>
    public required string Status { get; init; }

    /// <summary>The Trellis process, as <c>&lt;0.42.0&gt;</c>; null while down.</summary>
    public string? Pid { get; init; }

    /// <summary>The program's OS pid (services); null while down.</summary>
    public int? OsPid { get; init; }

    /// <summary>When the node entered its status.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Seconds since it started, while it runs.</summary>
    public double? UptimeSeconds { get; init; }

    public int Starts { get; init; }

    public int Restarts { get; init; }

    public string? LastExit { get; init; }

    public DateTimeOffset? LastExitAt { get; init; }

    /// <summary>up or down: what the operator wants.</summary>
    public required string Want { get; init; }

    public bool Paused { get; init; }

    public string? Restart { get; init; }

    /// <summary>The strategy, for supervisors.</summary>
    public string? Strategy { get; init; }

    /// <summary>The command line, for services.</summary>
    public string? Command { get; init; }

    /// <summary>Messages waiting, for in-process nodes.</summary>
    public int? Mailbox { get; init; }

    /// <summary>Messages handled so far, for in-process nodes.</summary>
    public long? Handled { get; init; }

    /// <summary>What a running service uses (the program and its descendants), at the latest sample.</summary>
    public ResourceSample? Resources { get; init; }

    /// <summary>CPU seconds the service has used since the daemon started, over all its runs.</summary>
    public double? CpuSecondsTotal { get; init; }

    /// <summary>Its cgroup limits and memory restart, for services that set any.</summary>
    public LimitsConfig? Limits { get; init; }

    /// <summary>When a service in backoff spawns its program next.</summary>
    public DateTimeOffset? NextStartAt { get; init; }

    /// <summary>CPU percent of the last samples, oldest first, for the dashboard's sparkline (in the tree).</summary>
    public IReadOnlyList<double>? Spark { get; init; }

    /// <summary>The last samples, oldest first, when one node is asked for.</summary>
    public IReadOnlyList<ResourceSample>? History { get; init; }

    public IReadOnlyList<NodeView>? Children { get; init; }

    /// <summary>In cluster mode, the cluster node it runs on (a cluster service may run on another daemon's); null alone, or while a cluster service runs nowhere.</summary>
    public string? Node { get; init; }

    /// <summary>How many samples a sparkline shows.</summary>
    public const int SparkLength = 30;

    public static NodeView Of(TreeNode n, DateTimeOffset now, bool withChildren, bool withHistory = false, ServiceTree? tree = null)
    {
        var local = Local(n, now, withChildren, withHistory, tree);
        if (tree?.Cluster is not { } cluster)
        {
            return local;
        }

        if (!tree.IsClusterService(n))
        {
            return local with { Node = cluster.Self };
        }

        // A cluster service: where the cluster supervisor says it runs, which may be another daemon.
        var placed = cluster.Placement(n.Name);
        if (placed is null || placed.Node == cluster.Self && !n.Pid.IsNone)
        {
            return local with { Node = n.Pid.IsNone ? null : cluster.Self };
        }

        if (placed.Pid.IsNone)
        {
            return local with { Node = placed.Node, Status = placed.Waiting || placed.Pending ? "pending" : local.Status };
        }

        return local with { Node = placed.Node, Status = "running", Pid = placed.Pid.ToString(), OsPid = null, Want = "up", Since = null, UptimeSeconds = null };
    }

    private static NodeView Local(TreeNode n, DateTimeOffset now, bool withChildren, bool withHistory, ServiceTree? tree)
    {
        var service = n.Config as ServiceConfig;
        var info = n.Pid.IsNone || n.Config is ServiceConfig ? null : Trellis.Node.GetProcessInfo(n.Pid);
        var running = !n.Pid.IsNone;
        return new NodeView
        {
            Name = n.Name,
            Kind = n.Config.Kind,
            Status = n.Status.ToString().ToLowerInvariant(),
            Pid = running ? n.Pid.ToString() : null,
            OsPid = n.OsPid != 0 ? n.OsPid : null,
            Since = n.Since,
            UptimeSeconds = running && n.Since is { } since ? Math.Round((now - since).TotalSeconds, 1) : null,
            Starts = n.Starts,
            Restarts = n.Restarts,
            LastExit = n.LastExit,
            LastExitAt = n.LastExitAt,
            Want = n.StopRequested ? "down" : "up",
            Paused = n.Paused,
            Restart = n.Parent is null ? null : n.Config.Restart.ToString().ToLowerInvariant(),
            Strategy = n.Config is SupervisorConfig s ? JsonNamingPolicy.SnakeCaseLower.ConvertName(s.Strategy.ToString()) : null,
            Command = n.Config is ServiceConfig svc ? new OsProcess.ProgramSpec { FileName = svc.Command[0], Arguments = svc.Command.Skip(1).ToArray() }.CommandText() : null,
            Mailbox = info?.MessageQueueLength,
            Handled = info?.MessagesReceived,
            Resources = service is null ? null : n.Resources.Latest,
            CpuSecondsTotal = service is null ? null : Math.Round(n.Resources.CpuSecondsTotal, 2),
            Limits = service is { Limits: var l } && l != LimitsConfig.None ? l : null,
            History = service is not null && withHistory ? n.Resources.History() : null,
            NextStartAt = n.Status == NodeStatus.Backoff ? n.NextStartAt : null,
            Spark = service is not null && withChildren ? n.Resources.Spark(SparkLength) : null,
            Children = withChildren && n.Config is SupervisorConfig ? n.Children.Select(c => Of(c, now, true, tree: tree)).ToArray() : null,
        };
    }
}
