using Microsoft.Extensions.Logging;

namespace Trellis.Daemon;

/// <summary>The daemon's own log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "tree '{Tree}' from {File}; control socket {Socket}")]
    public static partial void Starting(ILogger logger, string tree, string file, string socket);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "dashboard: {Url}")]
    public static partial void DashboardAt(ILogger logger, string url);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "tree started: {Services} services, {Supervisors} supervisors, {Workers} .NET workers")]
    public static partial void Started(ILogger logger, int services, int supervisors, int workers);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "{Node}: {Kind} {Detail}")]
    public static partial void Event(ILogger logger, string node, string kind, string detail);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "{Signal}: stopping the tree in reverse order")]
    public static partial void Stopping(ILogger logger, string signal);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "tree stopped; exiting")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "the root supervisor ended ({Reason}): the daemon exits")]
    public static partial void RootEnded(ILogger logger, string reason);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "SIGHUP: reloading {File}: {Result}")]
    public static partial void Reloaded(ILogger logger, string file, string result);
}
