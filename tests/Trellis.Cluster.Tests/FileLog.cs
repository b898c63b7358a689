using Microsoft.Extensions.Logging;

namespace Trellis.Cluster.Tests;

/// <summary>The nodes' log lines, kept for a failing test's message (TRELLIS_TEST_LOG names a file to append them to as well).</summary>
public sealed class FileLog : ILoggerProvider, ILoggerFactory
{
    private static readonly string? Path = Environment.GetEnvironmentVariable("TRELLIS_TEST_LOG");
    private static readonly Lock Gate = new();

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => Path is not null;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (Path is null)
            {
                return;
            }

            lock (Gate)
            {
                File.AppendAllText(Path, $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category} {formatter(state, exception)} {exception?.GetType().Name}\n");
            }
        }
    }
}
