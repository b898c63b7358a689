using Microsoft.Extensions.Logging;

namespace Trellis.Daemon.Logs;

/// <summary>
/// An <see cref="ILoggerProvider"/> whose loggers write into a node's <see cref="ServiceLog"/>, as a program's output
/// would: Information and below to stdout, Warning and above to stderr, each line <c>level: category[event] message</c>
/// and the exception's lines after it. A .NET worker's ILogger and the daemon's own log are kept this way, so
/// <c>trellis logs</c>, the dashboard and the files on disk show them like any service's.
/// </summary>
internal sealed class ServiceLogLoggerProvider(Func<ServiceLog?> log, LogLevel minimum = LogLevel.Information) : ILoggerProvider
{
    private readonly Func<ServiceLog?> _log = log;
    private readonly LogLevel _minimum = minimum;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        _ => "crit",
    };

    private sealed class Logger(ServiceLogLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= provider._minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel) || provider._log() is not { } target)
            {
                return;
            }

            var text = $"{Level(logLevel)}: {category}[{eventId.Id}] {formatter(state, exception)}";
            Action<string> write = logLevel >= LogLevel.Warning ? target.Stderr : target.Stdout;
            foreach (var line in text.Split('\n'))
            {
                write(line.TrimEnd('\r'));
            }

            if (exception is not null)
            {
                foreach (var line in exception.ToString().Split('\n'))
                {
                    write(line.TrimEnd('\r'));
                }
            }
        }
    }
}

/// <summary>A logger factory over one <see cref="ServiceLogLoggerProvider"/>: what a .NET worker's constructor is given.</summary>
internal sealed class ServiceLogLoggerFactory(Func<ServiceLog?> log) : ILoggerFactory
{
    private readonly ServiceLogLoggerProvider _provider = new(log);

    public ILogger CreateLogger(string categoryName) => _provider.CreateLogger(categoryName);

    public void AddProvider(ILoggerProvider provider) =>
        throw new NotSupportedException("a worker's logging goes to its own log; it takes no other provider");

    public void Dispose()
    {
    }
}
