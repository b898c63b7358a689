using Trellis.Cluster;
using Trellis.Daemon.Config;
using Trellis.Distribution;

namespace Trellis.Daemon.Runtime;

/// <summary>
/// <c>trellis up --cluster</c>: this daemon's node on the network and in the cluster, and the one cluster supervisor
/// that every daemon of the cluster starts with the same services. The first to start owns it; the others stand by
/// and take over (adopting what runs) when its daemon dies or stops. Each daemon can run each cluster service: the
/// supervisor's child is a <see cref="ClusterService"/> on the node placement chose.
/// </summary>
internal sealed class ClusterMode : IAsyncDisposable
{
    /// <summary>The name of the cluster supervisor's node in the tree (reserved in cluster mode).</summary>
    public const string NodeName = "cluster";

    private readonly NodeNetwork _network;
    private readonly Lock _gate = new();
    private Pid _supervisor;
    private bool _disposed;
    private Dictionary<string, ClusterChildInfo> _placements = new(StringComparer.Ordinal);

    private ClusterMode(NodeNetwork network, ClusterNode member, DaemonConfig config)
    {
        _network = network;
        Member = member;
        Config = config.Cluster;
        SupervisorId = "tree-" + config.Root.Name;
    }

    public ClusterNode Member { get; }

    /// <summary>The watchdog of the cluster services' programs here; released after they stopped, when this mode ends.</summary>
    public ClusterLifeline? Lifeline { get; set; }

    public ClusterConfig Config { get; }

    /// <summary>The cluster supervisor's id: the same on every daemon of the tree.</summary>
    public string SupervisorId { get; }

    public string Self => Member.Name;

    /// <summary>This daemon's cluster supervisor (the owner, or a standby that forwards to it); none while it is down.</summary>
    public Pid Supervisor
    {
        get
        {
            lock (_gate)
            {
                return _supervisor;
            }
        }

        set
        {
            lock (_gate)
            {
                _supervisor = value;
            }
        }
    }

    /// <summary>Where the cluster supervisor last said a service runs (or waits); null when it did not say.</summary>
    public ClusterChildInfo? Placement(string service)
    {
        lock (_gate)
        {
            return _placements.GetValueOrDefault(service);
        }
    }

    /// <summary>Asks the cluster supervisor (owner or standby) where each service runs, for the status and the dashboard; bounded, and the last answer stays on failure.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (Supervisor is not { IsNone: false } sup)
        {
            return;
        }

        try
        {
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bound.CancelAfter(TimeSpan.FromSeconds(2));
            var children = await ClusterSupervisor.WhichChildrenAsync(sup, bound.Token).ConfigureAwait(false);
            var next = children.ToDictionary(c => c.Id, StringComparer.Ordinal);
            lock (_gate)
            {
                _placements = next;
            }
        }
        catch (Exception e) when (e is CallException or ExitException or OperationCanceledException)
        {
            // The supervisor is between owners, or busy: the status shows what it said last.
        }
    }

    /// <summary>Starts the node's network and joins the cluster; an error (and nothing left running) when it cannot.</summary>
    public static async Task<(ClusterMode? Mode, string? Error)> JoinAsync(Node node, DaemonConfig config, string endpoints, CancellationToken cancellationToken)
    {
        if (config.Cluster.CookieFile is not { } cookie)
        {
            return (null, $"{config.File}: cluster mode needs cluster.cookie_file: a file (mode 0600) holding the secret every daemon of the cluster shares");
        }

        NodeNetwork network;
        try
        {
            network = await NodeNetwork.StartAsync(node, new NetworkOptions { CookieFile = cookie, Port = config.Cluster.Port }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidOperationException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
        {
            return (null, $"the node {node.Name} cannot start its network: {e.Message}");
        }

        try
        {
            var member = await ClusterNode.JoinAsync(network, new ClusterOptions
            {
                Endpoints = endpoints,
                Cluster = config.Cluster.Name ?? config.Root.Name,
                LeaseTtl = config.Cluster.Ttl,
                FenceMargin = config.Cluster.EffectiveMargin,
                Labels = config.Cluster.Labels,
                EtcdCaFile = config.Cluster.EtcdCaFile,
                EtcdCertificateFile = config.Cluster.EtcdCertFile,
                EtcdKeyFile = config.Cluster.EtcdKeyFile,
                EtcdUser = config.Cluster.EtcdUser,
                EtcdPasswordFile = config.Cluster.EtcdPasswordFile,
            }, cancellationToken).ConfigureAwait(false);
            return (new ClusterMode(network, member, config), null);
        }
        catch (Exception e) when (e is ClusterUnavailableException or ArgumentException)
        {
            await network.DisposeAsync().ConfigureAwait(false);
            return (null, e.Message);
        }
    }

    /// <summary>The kind under which this daemon can run <paramref name="service"/>: the host runs it as its own tree file says.</summary>
    public static string KindOf(ServiceConfig service) => "service." + service.Name;

    /// <summary>How long a cluster service has to stop: its own shutdown, at most half the fence margin; zero for brutal_kill.</summary>
    public TimeSpan ShutdownOf(ServiceConfig service) => service.Shutdown switch
    {
        { Kind: ShutdownKind.BrutalKill } => TimeSpan.Zero,
        { Kind: ShutdownKind.Timeout } s when s.Timeout < Config.MaxShutdown => s.Timeout,
        _ => Shutdown.DefaultWorker.Timeout < Config.MaxShutdown ? Shutdown.DefaultWorker.Timeout : Config.MaxShutdown,
    };

    /// <summary>Offers each service to the cluster supervisor's placements: this daemon can run it.</summary>
    public void Expose(IEnumerable<TreeNode> services, DaemonContext ctx)
    {
        foreach (var node in services)
        {
            var config = (ServiceConfig)node.Config;
            var shutdown = ShutdownOf(config);
            Member.Expose(KindOf(config), () => new ClusterService(node, ctx, shutdown));
        }
    }

    /// <summary>The cluster supervisor: every cluster service in file order, each replica set apart, standby on every daemon.</summary>
    public ClusterSupervisorSpec Spec(SupervisorConfig root, IEnumerable<TreeNode> services) => new(SupervisorId)
    {
        Standby = ["*"],
        WaitForNode = true,
        Flags = new SupervisorFlags { Strategy = Strategy.OneForOne, Intensity = root.Intensity, Period = root.Period },
        Children = [.. services.Select(n => (ServiceConfig)n.Config).Select(s => new ClusterChildSpec(s.Name, KindOf(s))
        {
            Restart = s.Restart,
            Shutdown = ShutdownOf(s) is var t && t > TimeSpan.Zero ? t : TimeSpan.FromMilliseconds(1),
            AntiAffinity = s.ReplicaOf,
        })],
    };

    /// <summary>Leaves the cluster: the services hosted here stop (each within its shutdown), and the lease goes at once, so the others move them.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        await Member.DisposeAsync().ConfigureAwait(false);
        await _network.DisposeAsync().ConfigureAwait(false);
        if (Lifeline is { } lifeline)
        {
            await lifeline.DisposeAsync().ConfigureAwait(false);
        }
    }
}
