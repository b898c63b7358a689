using Microsoft.Extensions.Logging;

namespace Trellis.Supervise;

/// <summary>supervise's events.</summary>
internal static partial class Log
{
    [LoggerMessage(100, LogLevel.Information, "supervise {SupervisePid} started on {Directory}: {Command}")]
    public static partial void Started(ILogger logger, int supervisePid, string directory, string command);

    [LoggerMessage(101, LogLevel.Information, "started {Command}: pid {Pid}")]
    public static partial void ProgramStarted(ILogger logger, string command, int pid);

    [LoggerMessage(102, LogLevel.Information, "pid {Pid} exited: {Reason}")]
    public static partial void ProgramExited(ILogger logger, int pid, string reason);

    [LoggerMessage(103, LogLevel.Warning, "pid {Pid} died: {Reason}")]
    public static partial void ProgramDied(ILogger logger, int pid, string reason);

    [LoggerMessage(104, LogLevel.Warning, "unable to start {Command}: {Message}; retrying in {Seconds} s")]
    public static partial void StartFailed(ILogger logger, string command, string message, double seconds);

    [LoggerMessage(105, LogLevel.Information, "control '{Command}'")]
    public static partial void Control(ILogger logger, char command);

    [LoggerMessage(106, LogLevel.Warning, "pid {Pid} did not stop within {Seconds} s of SIG{Signal}: sending SIGKILL to its group")]
    public static partial void Escalating(ILogger logger, int pid, double seconds, string signal);

    [LoggerMessage(107, LogLevel.Critical, "giving up: {Reason}")]
    public static partial void GaveUp(ILogger logger, string reason);

    [LoggerMessage(108, LogLevel.Warning, "alarm: {Message}")]
    public static partial void Alarm(ILogger logger, string message);

    [LoggerMessage(109, LogLevel.Error, "alarm not delivered by {Channel}: {Error}")]
    public static partial void AlarmFailed(ILogger logger, string channel, string error);

    [LoggerMessage(110, LogLevel.Warning, "alarm_gsm {Numbers}: configured, not sent (no SMS gateway)")]
    public static partial void GsmNotSent(ILogger logger, string numbers);

    [LoggerMessage(111, LogLevel.Information, "configuration {File} re-read")]
    public static partial void Reloaded(ILogger logger, string file);

    [LoggerMessage(112, LogLevel.Error, "configuration not re-read, the old one stays: {Error}")]
    public static partial void ReloadFailed(ILogger logger, string error);

    [LoggerMessage(113, LogLevel.Warning, "{Warning}")]
    public static partial void ConfigWarning(ILogger logger, string warning);

    [LoggerMessage(114, LogLevel.Warning, "found pid {Pid} left running by a previous supervise; stopping it before starting")]
    public static partial void Leftover(ILogger logger, int pid);

    [LoggerMessage(115, LogLevel.Information, "supervise exiting: {Reason}")]
    public static partial void Exiting(ILogger logger, string reason);

    [LoggerMessage(116, LogLevel.Information, "alarm sent by {Channel}")]
    public static partial void AlarmSent(ILogger logger, string channel);

    [LoggerMessage(117, LogLevel.Information, "giving back {Kilobytes} KB of code pages that starting had mapped")]
    public static partial void CodePagesReleased(ILogger logger, long kilobytes);
}
