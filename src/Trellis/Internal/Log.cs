using Microsoft.Extensions.Logging;

namespace Trellis.Internal;

/// <summary>Every log event Trellis writes, with stable event ids.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Supervisor {Supervisor} started child {ChildId} as {ChildPid}")]
    public static partial void ChildStarted(this ILogger logger, string supervisor, object? childId, Pid childPid);

    // A crash is a warning: the supervisor handles it. Giving up (event 5) is the error.
    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Supervisor {Supervisor}: child {ChildId} ({ChildPid}) exited with reason {ExitReason}")]
    public static partial void ChildTerminated(this ILogger logger, string supervisor, object? childId, Pid childPid, ExitReason exitReason, Exception? exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Supervisor {Supervisor}: child {ChildId} ({ChildPid}) exited with reason {ExitReason}")]
    public static partial void ChildExited(this ILogger logger, string supervisor, object? childId, Pid childPid, ExitReason exitReason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Supervisor {Supervisor} restarted child {ChildId} as {ChildPid}")]
    public static partial void ChildRestarted(this ILogger logger, string supervisor, object? childId, Pid childPid);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "Supervisor {Supervisor} reached its maximum restart intensity ({Intensity} in {Period}) after child {ChildId} exited; it shuts down")]
    public static partial void GaveUp(this ILogger logger, string supervisor, object? childId, int intensity, TimeSpan period);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error, Message = "Supervisor {Supervisor} failed to start child {ChildId}: {ExitReason}")]
    public static partial void StartError(this ILogger logger, string supervisor, object? childId, ExitReason exitReason);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "Supervisor {Supervisor}: child {ChildId} ({ChildPid}) shut down with unexpected reason {ExitReason}")]
    public static partial void ShutdownError(this ILogger logger, string supervisor, object? childId, Pid childPid, ExitReason exitReason);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "Supervisor {Supervisor} shut down automatically: significant child {ChildId} exited")]
    public static partial void AutoShutdown(this ILogger logger, string supervisor, object? childId);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "Supervisor {Supervisor} ignored an unexpected message: {Message}")]
    public static partial void UnexpectedMessage(this ILogger logger, string supervisor, string message);

    [LoggerMessage(EventId = 20, Level = LogLevel.Error, Message = "GenServer {Server} ({ServerPid}) terminating with reason {ExitReason}")]
    public static partial void ServerTerminating(this ILogger logger, string server, Pid serverPid, ExitReason exitReason, Exception? exception);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "GenServer {Server} ({ServerPid}) received an unexpected message in HandleInfo: {Message}")]
    public static partial void UnexpectedInfo(this ILogger logger, string server, Pid serverPid, string message);

    [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "A cancellation callback of process {ProcessPid} threw")]
    public static partial void CancellationCallbackFailed(this ILogger logger, Pid processPid, Exception exception);

    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "Application {Application} started (type {StartType}), top supervisor {TopPid}")]
    public static partial void ApplicationStarted(this ILogger logger, string application, ApplicationStartType startType, Pid topPid);

    [LoggerMessage(EventId = 41, Level = LogLevel.Information, Message = "Application {Application} exited: {ExitReason} (type {StartType})")]
    public static partial void ApplicationExited(this ILogger logger, string application, ExitReason exitReason, ApplicationStartType startType);

    [LoggerMessage(EventId = 42, Level = LogLevel.Critical, Message = "Application {Application} (type {StartType}) terminated with {ExitReason}: stopping every application and the node")]
    public static partial void ApplicationTerminatedNode(this ILogger logger, string application, ApplicationStartType startType, ExitReason exitReason);

    [LoggerMessage(EventId = 43, Level = LogLevel.Error, Message = "Application {Application}: its {Callback} callback threw")]
    public static partial void ApplicationCallbackFailed(this ILogger logger, string application, string callback, Exception exception);

    [LoggerMessage(EventId = 50, Level = LogLevel.Error, Message = "Supervisor {Supervisor}: the durable child store failed; {Action}")]
    public static partial void DurableStoreFailed(this ILogger logger, string supervisor, string action, Exception exception);

    [LoggerMessage(EventId = 51, Level = LogLevel.Warning, Message = "Supervisor {Supervisor}: durable child {ChildId} could not be brought back and is forgotten: {Outcome}")]
    public static partial void DurableChildDropped(this ILogger logger, string supervisor, object? childId, string outcome);

    [LoggerMessage(EventId = 52, Level = LogLevel.Information, Message = "Supervisor {Supervisor} brought back {Count} durable children")]
    public static partial void DurableChildrenRestored(this ILogger logger, string supervisor, int count);
}
