namespace Trellis.Daemon.Config;

/// <summary>Everything a tree file says: where the daemon keeps its state, its dashboard, its logs, and the tree.</summary>
internal sealed record DaemonConfig
{
    /// <summary>The file it was read from (absolute).</summary>
    public required string File { get; init; }

    /// <summary>Where status directories and logs live (absolute).</summary>
    public required string StateDir { get; init; }

    /// <summary>The control socket, when the file names one (absolute); otherwise the command line or the default decides.</summary>
    public string? Socket { get; init; }

    /// <summary>The group whose members may drive the daemon over its socket, besides root and its owner.</summary>
    public AdminGroup? Admins { get; init; }

    /// <summary>The dashboard's listener; null when the file turns it off.</summary>
    public DashboardConfig? Dashboard { get; init; } = new();

    /// <summary>Log rotation and the disk cap.</summary>
    public LogConfig Logs { get; init; } = new();

    /// <summary>Whether status files have runit's layout instead of the seed's.</summary>
    public bool RunitStatus { get; init; }

    /// <summary>How often services' resources are sampled while someone looks, and for restart_on_memory always.</summary>
    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether each service runs in its own cgroup (<c>cgroups: off</c> keeps plain process groups).</summary>
    public bool Cgroups { get; init; } = true;

    /// <summary>
    /// The daemon's cgroup, below its own group in each hierarchy: named after the state directory, so the daemon that
    /// next uses that directory finds (and kills) what a killed one left in it.
    /// </summary>
    public string CgroupRoot => "trellis-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(StateDir)))[..12];

    /// <summary>The <c>cluster:</c> section (used with <c>--cluster</c>); its defaults when the file has none.</summary>
    public ClusterConfig Cluster { get; init; } = new();

    /// <summary>The root supervisor; its name is the tree's.</summary>
    public required SupervisorConfig Root { get; init; }

    /// <summary>Every node of the tree but the root, depth first in file order.</summary>
    public IEnumerable<NodeConfig> AllNodes() => Walk(Root);

    private static IEnumerable<NodeConfig> Walk(SupervisorConfig sup)
    {
        foreach (var child in sup.Children)
        {
            yield return child;
            if (child is SupervisorConfig nested)
            {
                foreach (var n in Walk(nested))
                {
                    yield return n;
                }
            }
        }
    }
}

/// <summary>The dashboard's listener.</summary>
internal sealed record DashboardConfig
{
    public string Bind { get; init; } = "127.0.0.1";

    public int Port { get; init; } = 7070;

    /// <summary>The token the API and page require; when the file sets none, the daemon makes one and keeps it.</summary>
    public string? Token { get; init; }
}

/// <summary>Per-service log files: rotation by size, a count of old files, and a cap on all logs together.</summary>
internal sealed record LogConfig
{
    public long MaxSize { get; init; } = 1024 * 1024;

    public int MaxFiles { get; init; } = 5;

    public long MaxTotal { get; init; } = 256L * 1024 * 1024;
}

/// <summary>The <c>admins:</c> group: its id, and its name when the group database has one.</summary>
internal sealed record AdminGroup(uint Gid, string? Name);
