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
}
