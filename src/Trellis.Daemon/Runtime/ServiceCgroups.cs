using Microsoft.Extensions.Logging;
using Trellis.Daemon.Config;
using Trellis.OsProcess;

namespace Trellis.Daemon.Runtime;

/// <summary>
/// The daemon's cgroups: one below its own group per service (<c>trellis-HASH/NAME</c>, the hash naming the state
/// directory), created at the service's first start with its limits, reused by its restarts, and removed with
/// everything in them when the daemon exits. At startup, what a killed predecessor left in its groups is killed. Where
/// no hierarchy is writable, or the tree says <c>cgroups: off</c>, services run in plain process groups (said once).
/// </summary>
internal sealed class ServiceCgroups
{
    private static readonly TimeSpan KillTimeout = TimeSpan.FromSeconds(5);
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ControlGroup> _groups = new(StringComparer.Ordinal);

    private ServiceCgroups(string? root, ILogger logger)
    {
        Root = root;
        _logger = logger;
    }

    /// <summary>The daemon's group path; null when services run without cgroups.</summary>
    public string? Root { get; }

    /// <summary>No cgroups: every service in a plain process group.</summary>
    public static ServiceCgroups Off(ILogger logger) => new(null, logger);

    /// <summary>Kills what a killed daemon left in this state directory's groups, then makes the daemon's own.</summary>
    public static async Task<ServiceCgroups> OpenAsync(DaemonConfig config, ILogger logger)
    {
        if (!config.Cgroups)
        {
            Log.CgroupsOff(logger);
            return Off(logger);
        }

        var (killed, leftError) = await ControlGroup.RemoveTreeAsync(config.CgroupRoot, KillTimeout).ConfigureAwait(false);
        if (killed > 0)
        {
            Log.CgroupLeftovers(logger, killed, config.CgroupRoot);
        }

        if (leftError is not null)
        {
            Log.CgroupsUnavailable(logger, leftError);
            return Off(logger);
        }

        if (ControlGroup.TryCreate(config.CgroupRoot, null, out _, out _) is { } error)
        {
            Log.CgroupsUnavailable(logger, error);
            return Off(logger);
        }

        Log.CgroupsOn(logger, config.CgroupRoot, ControlGroup.HostDescription);
        return new ServiceCgroups(config.CgroupRoot, logger);
    }

    /// <summary>The service's group with its limits as configured now; null without cgroups.</summary>
    public async ValueTask<ControlGroup?> ForAsync(TreeNode node, ServiceConfig config)
    {
        if (Root is null)
        {
            // Said at the first start, not at every restart of a crash loop.
            if (node.Starts == 0 && !config.Limits.ToResourceLimits().IsEmpty)
            {
                node.Log?.Daemon("limits are not enforced: the service runs without a cgroup");
            }

            return null;
        }

        var limits = config.Limits.ToResourceLimits();
        ControlGroup? old;
        lock (_lock)
        {
            if (_groups.TryGetValue(node.Name, out old) && old.Limits == limits)
            {
                return old;
            }
        }

        // A reload changed the limits: the last run has ended, so the old group is empty and goes.
        if (old is not null && await old.RemoveAsync(KillTimeout).ConfigureAwait(false) is { } removeError)
        {
            node.Log?.Daemon(removeError);
        }

        if (ControlGroup.TryCreate(Root + "/" + node.Name, limits, out var group, out var warnings) is { } error)
        {
            Log.ServiceCgroupFailed(_logger, node.Name, error);
            node.Log?.Daemon("no cgroup: " + error);
            return null;
        }

        foreach (var w in warnings)
        {
            Log.LimitNotEnforced(_logger, node.Name, w);
            node.Log?.Daemon(w);
        }

        lock (_lock)
        {
            _groups[node.Name] = group!;
        }

        return group;
    }

    /// <summary>The service's group, when it has one.</summary>
    public ControlGroup? Of(string name)
    {
        lock (_lock)
        {
            return _groups.GetValueOrDefault(name);
        }
    }

    /// <summary>Kills anything left in the daemon's groups and removes them: the last step of a stop.</summary>
    public async Task RemoveAllAsync()
    {
        if (Root is null)
        {
            return;
        }

        var (killed, error) = await ControlGroup.RemoveTreeAsync(Root, KillTimeout).ConfigureAwait(false);
        if (killed > 0)
        {
            Log.CgroupStragglers(_logger, killed, Root);
        }

        if (error is not null)
        {
            Log.CgroupRemoveFailed(_logger, error);
        }
    }
}
