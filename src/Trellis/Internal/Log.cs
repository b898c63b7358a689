using Microsoft.Extensions.Logging;

namespace Trellis.Internal;

/// <summary>Every log event Trellis writes, with stable event ids.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Supervisor {Supervisor} started child {ChildId} as {ChildPid}")]
    public static partial void ChildStarted(this ILogger logger, string supervisor, object? childId, Pid childPid);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Supervisor {Supervisor}: child {ChildId} ({ChildPid}) exited with reason {ExitReason}")]
    public static partial void ChildTerminated(this ILogger logger, string supervisor, object? childId, Pid childPid, ExitReason exitReason);

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
}
