using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Trellis.Supervise;

/// <summary>
/// supervise's own log: every event in supervise.log, warnings and errors also in supervise.log.wf (the seed tool's
/// files). Lines are appended and flushed one by one, so a crash loses nothing.
/// </summary>
internal sealed class FileLog : ILoggerFactory, ILogger
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly StreamWriter _all;
    private readonly StreamWriter _warnings;
    private readonly TextWriter? _echo;

    public FileLog(string logPath, string warningPath, TimeProvider time, TextWriter? echo)
    {
        _time = time;
        _all = Open(logPath);
        _warnings = Open(warningPath);
        _echo = echo;
    }

    private static StreamWriter Open(string path) =>
        new(
            new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Append,
                Access = FileAccess.Write,
                Share = FileShare.ReadWrite | FileShare.Delete,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead,
            }),
            new UTF8Encoding(false)) { AutoFlush = true };

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("supervise logs to its status directory only");

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var level = logLevel switch
        {
            LogLevel.Information => "INFO",
            LogLevel.Warning => "WARNING",
            LogLevel.Error => "ERROR",
            LogLevel.Critical => "FATAL",
            _ => "DEBUG",
        };
        var line = string.Create(
            CultureInfo.InvariantCulture,
            $"{_time.GetLocalNow():yyyy-MM-dd HH:mm:ss.fff} {level} {formatter(state, exception)}{(exception is null ? string.Empty : " " + exception.Message)}");
        lock (_lock)
        {
            _all.WriteLine(line);
            if (logLevel >= LogLevel.Warning)
            {
                _warnings.WriteLine(line);
            }

            _echo?.WriteLine(line);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _all.Dispose();
            _warnings.Dispose();
        }
    }
}
