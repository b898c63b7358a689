using Trellis.Daemon.Config;
using Trellis.Daemon.Logs;
using Trellis.OsProcess;

namespace Trellis.Daemon.Runtime;

/// <summary>
/// The daemon's tree: one Trellis supervisor per supervisor node, one child per service or worker, all on one Trellis
/// node; the model of every node for status and the dashboard; and the commands (start, stop, restart, kill,
/// signal, reload), which run one at a time on the tree's command server, a GenServer (<see cref="TreeServer"/>):
/// commands are calls, control bytes from the status directories' FIFOs are casts.
/// </summary>
internal sealed partial class ServiceTree
{
    private readonly Dictionary<string, TreeNode> _byName = new(StringComparer.Ordinal);
    private Pid _server;
    private TreeNode? _clusterNode;

    public ServiceTree(DaemonContext ctx, DaemonConfig config, ClusterMode? cluster = null)
    {
        Ctx = ctx;
        Config = config;
        Cluster = cluster;
        Root = new TreeNode(config.Root, null);
        Sampler = new ResourceSampler(this, config.SampleInterval, ex => Root.Log?.Daemon("resource sampling failed: " + ex));
    }

    /// <summary>Samples what each service uses; restarts those past their restart_on_memory.</summary>
    public ResourceSampler Sampler { get; }

    public DaemonContext Ctx { get; }

    /// <summary>Cluster mode (<c>--cluster</c>): this daemon's node in the cluster; null when the tree runs alone.</summary>
    public ClusterMode? Cluster { get; }

    /// <summary>The <c>cluster</c> node, parent of the cluster services, in cluster mode.</summary>
    public TreeNode? ClusterNode => _clusterNode;

    /// <summary>Whether <paramref name="node"/> is a service the cluster supervisor places.</summary>
    public bool IsClusterService(TreeNode node) => _clusterNode is not null && ReferenceEquals(node.Parent, _clusterNode);

    public DaemonConfig Config { get; private set; }

    public TreeNode Root { get; }

    public EventLog Events => Ctx.Events;

    /// <summary>Held while the shape of the tree changes (reload) and while a view of it is taken.</summary>
    public Lock ModelLock { get; } = new();

    /// <summary>Completes when the root supervisor ends, for any reason.</summary>
    public Task<ExitReason> RootExited { get; private set; } = new TaskCompletionSource<ExitReason>().Task;

    /// <summary>Every node, depth first in start order.</summary>
    public IEnumerable<TreeNode> Nodes => Root.SelfAndDescendants();

    public TreeNode? Find(string name)
    {
        lock (_byName)
        {
            return _byName.GetValueOrDefault(name);
        }
    }

    /// <summary>
    /// Opens every service's status directory and logs, then starts the root supervisor, which starts the tree in
    /// file order. Returns an error when anything fails, with nothing left running.
    /// </summary>
    public async Task<string?> StartAsync()
    {
        // The command server first: a control byte written as soon as a FIFO is open waits there for the tree.
        _server = (await GenServer.StartAsync(Ctx.Node, static () => new TreeServer()).ConfigureAwait(false)).Pid;
        var errors = new List<string>();
        foreach (var child in Config.Root.Children.Where(c => !Placed(c)))
        {
            Root.Children.Add(Build(child, Root, errors));
        }

        if (Cluster is not null && Config.Root.Children.Any(Placed))
        {
            // The cluster services hang under one more node: the keeper of this daemon's cluster supervisor, started last.
            if (Find(ClusterMode.NodeName) is not null)
            {
                errors.Add($"{Config.File}: '{ClusterMode.NodeName}' names a node of the tree; in cluster mode it is the cluster supervisor's name: rename that node");
            }

            var services = new SupervisorConfig { Name = ClusterMode.NodeName, At = Config.Root.At, Children = [.. Config.Root.Children.Where(Placed)] };
            _clusterNode = Build(services, Root, errors);
            Root.Children.Add(_clusterNode);
            Cluster.Expose(_clusterNode.Children, Ctx);
        }

        if (errors.Count > 0)
        {
            await StopServerAsync().ConfigureAwait(false);
            Release(Root);
            return string.Join(Environment.NewLine, errors);
        }

        var root = (SupervisorConfig)Root.Config;
        StartResult start;
        using (Root.EnterStart(Ctx.Time.GetUtcNow()))
        {
            start = await Supervisor.StartAsync(Ctx.Node, Root.Children.Select(SpecFor).ToList(), Flags(root)).ConfigureAwait(false);
        }

        if (!start.IsOk)
        {
            Root.StartFailed(start.ToString(), Ctx.Time.GetUtcNow());
            await StopServerAsync().ConfigureAwait(false);
            await Task.WhenAll(Nodes.SelectMany(n => n.Watches())).ConfigureAwait(false);
            Release(Root);
            return $"the tree did not start: {start}";
        }

        var run = new NodeRun(start.Pid, Ctx.Time.GetUtcNow(), spawned: true);
        Root.Began(run, operatorStart: false);
        RootExited = run.Exited;
        Root.Own(ProcessWatch.WatchAsync(Root, run, Ctx));
        Events.Add(Root.Name, "started", "tree started");
        return null;
    }

    /// <summary>With <c>--cluster</c>, a service with <c>placement: cluster</c> is the cluster supervisor's; alone, it runs here like any other.</summary>
    private bool Placed(NodeConfig config) => Cluster is not null && config is ServiceConfig { ClusterPlacement: true };

    /// <summary>Stops the whole tree in reverse start order and releases every status directory.</summary>
    public async Task StopAsync()
    {
        if (!Root.Pid.IsNone)
        {
            foreach (var n in Nodes)
            {
                n.StopRequested = true;
                n.CancelStart();
            }

            try
            {
                await Supervisor.StopAsync(Root.Pid, ExitReason.Shutdown, Timeout.InfiniteTimeSpan).ConfigureAwait(false);
            }
            catch (CallException) when (!Root.Pid.IsAlive)
            {
                // The root ended on its own meanwhile (it gave up): its tree is stopped already.
            }
        }

        if (Cluster is not null)
        {
            // Leaving the cluster stops the cluster services hosted here (the others move them, or adopt none of
            // them when the whole cluster stops), before their status directories are released.
            await Cluster.DisposeAsync().ConfigureAwait(false);
        }

        await StopServerAsync().ConfigureAwait(false);

        await Task.WhenAll(Nodes.SelectMany(n => n.Watches())).ConfigureAwait(false);
        Release(Root);
    }

    /// <summary>Runs <paramref name="command"/> on the command server and returns its result.</summary>
    public async Task<CommandResult> RunAsync(Func<Task<CommandResult>> command)
    {
        try
        {
            return (CommandResult)(await GenServer.CallAsync(_server, new TreeServer.Command(command, null), Timeout.InfiniteTimeSpan).ConfigureAwait(false))!;
        }
        catch (CallException)
        {
            return CommandResult.Failed("the daemon is stopping");
        }
    }

    /// <summary>Stops the command server once the commands queued before have run; later ones are refused.</summary>
    private async Task StopServerAsync()
    {
        if (_server.IsAlive)
        {
            try
            {
                await GenServer.StopAsync(_server, ExitReason.Normal, Timeout.InfiniteTimeSpan).ConfigureAwait(false);
            }
            catch (CallException)
            {
                // It had stopped already.
            }
        }
    }

    private TreeNode Build(NodeConfig config, TreeNode parent, List<string> errors)
    {
        var node = new TreeNode(config, parent);
        lock (_byName)
        {
            _byName[config.Name] = node;
        }

        switch (config)
        {
            case SupervisorConfig sup:
                foreach (var child in sup.Children)
                {
                    node.Children.Add(Build(child, node, errors));
                }

                break;
            case ServiceConfig:
                OpenServiceFiles(node, errors);
                break;
            case DotnetConfig dotnet:
                if (DotnetWorkers.Resolve(dotnet, out var error) is null)
                {
                    errors.Add($"{Config.File}:{dotnet.At}: {error}");
                }

                OpenWorkerLog(node, errors);
                break;
        }

        return node;
    }

    private void OpenServiceFiles(TreeNode node, List<string> errors)
    {
        var path = Path.Combine(Config.StateDir, node.Name);
        var dir = ServiceStatusDir.Open(path, Config.RunitStatus, out var error);
        if (dir is null)
        {
            errors.Add($"service '{node.Name}': {error}");
            return;
        }

        node.StatusDir = dir;
        node.Log = new ServiceLog(node.Name, path, Config.Logs, Ctx.Budget, Ctx.Time);
        Ctx.WriteStatus(node);
        dir.ReadControl(b => OnControlByte(node, b));
    }

    // A .NET worker has no status directory (no program for svc to drive), but its ILogger output is kept the same way.
    private void OpenWorkerLog(TreeNode node, List<string> errors)
    {
        var path = Path.Combine(Config.StateDir, node.Name);
        try
        {
            StateDirectory.CreatePrivate(path, Config.Admins);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.Add($".NET worker '{node.Name}': cannot create {path}: {ex.Message}");
            return;
        }

        node.Log = new ServiceLog(node.Name, path, Config.Logs, Ctx.Budget, Ctx.Time);
    }

    private void Release(TreeNode top)
    {
        foreach (var n in top.SelfAndDescendants())
        {
            n.StatusDir?.Dispose();
            n.StatusDir = null;
            n.Dispose();
            if (!ReferenceEquals(n, Root))
            {
                // The root's log is the daemon's own, which its owner closes after the last line.
                n.Log?.Dispose();
                n.Log = null;
                lock (_byName)
                {
                    if (_byName.TryGetValue(n.Name, out var current) && ReferenceEquals(current, n))
                    {
                        _byName.Remove(n.Name);
                    }
                }
            }
        }
    }

    private static SupervisorFlags Flags(SupervisorConfig c) => new()
    {
        Strategy = c.Strategy,
        Intensity = c.Intensity,
        Period = c.Period,
        AutoShutdown = c.AutoShutdown,
    };

    private ChildSpec SpecFor(TreeNode node) => new()
    {
        Id = node.Name,
        Restart = node.Config.Restart,
        Shutdown = node.Config.Shutdown,
        Significant = node.Config.Significant,
        Type = node.Config is SupervisorConfig ? ChildType.Supervisor : ChildType.Worker,
        Modules = node.Config switch
        {
            ServiceConfig s => [s.Command[0]],
            DotnetConfig d => [d.Type],
            _ => [ChildSpec.DynamicModules],
        },
        Start = (sup, _) => node.Config switch
        {
            SupervisorConfig when ReferenceEquals(node, _clusterNode) => StartClusterAsync(sup, node, node.TakeOperatorStart()),
            SupervisorConfig => StartSupervisorAsync(sup, node, node.TakeOperatorStart()),
            ServiceConfig => ServiceStarter.StartAsync(sup, node, Ctx, node.TakeOperatorStart()),
            _ => DotnetWorkers.StartAsync(sup, node, Ctx, node.TakeOperatorStart()),
        },
    };

    private async ValueTask<StartResult> StartClusterAsync(ProcessContext parent, TreeNode node, bool operatorStart)
    {
        await Task.WhenAll(node.Watches()).ConfigureAwait(false);
        using var starting = node.EnterStart(Ctx.Time.GetUtcNow());
        var spec = Cluster!.Spec((SupervisorConfig)Root.Config, node.Children);
        var start = await GenServer.StartLinkAsync(parent, () => new ClusterKeeper(Cluster, spec, line => Root.Log?.Daemon(line))).ConfigureAwait(false);
        return Began(node, start, operatorStart);
    }

    private async ValueTask<StartResult> StartSupervisorAsync(ProcessContext parent, TreeNode node, bool operatorStart)
    {
        await Task.WhenAll(node.Watches()).ConfigureAwait(false);
        using var starting = node.EnterStart(Ctx.Time.GetUtcNow());
        var start = await Supervisor.StartLinkAsync(parent, node.Children.Select(SpecFor).ToList(), Flags((SupervisorConfig)node.Config)).ConfigureAwait(false);
        return Began(node, start, operatorStart);
    }

    private StartResult Began(TreeNode node, StartResult start, bool operatorStart)
    {
        if (!start.IsOk)
        {
            node.StartFailed(start.ToString(), Ctx.Time.GetUtcNow());
            Events.Add(node.Name, "start_failed", start.ToString());
            return start;
        }

        var run = new NodeRun(start.Pid, Ctx.Time.GetUtcNow(), spawned: true);
        var restart = node.Began(run, operatorStart);
        node.Own(ProcessWatch.WatchAsync(node, run, Ctx));
        Events.Add(node.Name, restart ? "restarting" : "started", start.Pid.ToString());
        return start;
    }
}
