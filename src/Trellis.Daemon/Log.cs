using Microsoft.Extensions.Logging;

namespace Trellis.Daemon;

/// <summary>The daemon's own log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "tree '{Tree}' from {File}; control socket {Socket}")]
    public static partial void Starting(ILogger logger, string tree, string file, string socket);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "dashboard: {Url} (its token is in {TokenFile}; `trellis dashboard` prints a link that signs in)")]
    public static partial void DashboardAt(ILogger logger, string url, string tokenFile);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "tree started: {Services} services, {Supervisors} supervisors, {Workers} .NET workers")]
    public static partial void Started(ILogger logger, int services, int supervisors, int workers);

    [LoggerMessage(EventId = 25, Level = LogLevel.Debug, Message = "gave back {Kilobytes} KB of the runtime's, libraries' and assemblies' pages that starting had mapped")]
    public static partial void CodePagesReleased(ILogger logger, long kilobytes);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "{Node}: {Kind} {Detail}")]
    public static partial void Event(ILogger logger, string node, string kind, string detail);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "{Signal}: stopping the tree in reverse order")]
    public static partial void Stopping(ILogger logger, string signal);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "tree stopped; exiting")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "the root supervisor ended ({Reason}; its intensity is {Intensity} restarts in {Period}); the last crash: {LastCrash}; the daemon stops the tree and exits 1")]
    public static partial void RootEnded(ILogger logger, string reason, int intensity, string period, string lastCrash);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "SIGHUP: reloading {File}: {Result}")]
    public static partial void Reloaded(ILogger logger, string file, string result);

    [LoggerMessage(EventId = 9, Level = LogLevel.Information, Message = "audit: {Caller} {Action}: {Result} ({Message})")]
    public static partial void Audit(ILogger logger, string caller, string action, string result, string message);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "refused: {Caller} {Request}: {Reason}")]
    public static partial void Refused(ILogger logger, string caller, string request, string reason);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "refused: {Count} more requests in the last minute, not logged one by one")]
    public static partial void RefusalsHeld(ILogger logger, int count);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "{File} sets the dashboard token and other users may read it: chmod o-r it, or leave the token out and let the daemon keep one in its state directory")]
    public static partial void TokenFileReadable(ILogger logger, string file);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "{Service}: pid {Pid}, left running by a daemon that was killed, is stopped with its process group before the tree starts")]
    public static partial void LeftoverFound(ILogger logger, string service, int pid);

    [LoggerMessage(EventId = 14, Level = LogLevel.Warning, Message = "{Node}: crashed {Detail}")]
    public static partial void Crashed(ILogger logger, string node, string detail);

    [LoggerMessage(EventId = 15, Level = LogLevel.Error, Message = "{Node}: start failed: {Detail}")]
    public static partial void StartFailed(ILogger logger, string node, string detail);

    [LoggerMessage(EventId = 16, Level = LogLevel.Information, Message = "cgroups: each service in its own group below {Root} ({Layout})")]
    public static partial void CgroupsOn(ILogger logger, string root, string layout);

    [LoggerMessage(EventId = 17, Level = LogLevel.Information, Message = "cgroups: off in the tree file; services run in plain process groups (a process that calls setsid escapes a stop)")]
    public static partial void CgroupsOff(ILogger logger);

    [LoggerMessage(EventId = 18, Level = LogLevel.Warning, Message = "cgroups: unavailable ({Reason}); services run in plain process groups (a process that calls setsid escapes a stop) and their limits are not enforced")]
    public static partial void CgroupsUnavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 19, Level = LogLevel.Warning, Message = "cgroups: killed {Count} processes a killed daemon left in {Root}")]
    public static partial void CgroupLeftovers(ILogger logger, int count, string root);

    [LoggerMessage(EventId = 20, Level = LogLevel.Error, Message = "{Service}: no cgroup ({Reason}); it runs in a plain process group")]
    public static partial void ServiceCgroupFailed(ILogger logger, string service, string reason);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "{Service}: {Warning}")]
    public static partial void LimitNotEnforced(ILogger logger, string service, string warning);

    [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "cgroups: killed {Count} processes still in {Root} after the tree stopped")]
    public static partial void CgroupStragglers(ILogger logger, int count, string root);

    [LoggerMessage(EventId = 23, Level = LogLevel.Error, Message = "cgroups: {Reason}")]
    public static partial void CgroupRemoveFailed(ILogger logger, string reason);

    /// <summary>An event of the tree, at the level its kind deserves: a crash is a warning, a failed start an error.</summary>
    public static void TreeEvent(ILogger logger, Runtime.TreeEvent e)
    {
        switch (e.Kind)
        {
            case "crashed":
                Crashed(logger, e.Node, e.Detail);
                break;
            case "start_failed":
                StartFailed(logger, e.Node, e.Detail);
                break;
            default:
                Event(logger, e.Node, e.Kind, e.Detail);
                break;
        }
    }

    [LoggerMessage(EventId = 24, Level = LogLevel.Information, Message = "joined the cluster at {Endpoints} as {Node} ({Members} members)")]
    public static partial void JoinedCluster(ILogger logger, string node, string endpoints, int members);
}
