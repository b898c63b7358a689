using Microsoft.Extensions.Logging;

namespace Trellis.Tests.Fakes;

/// <summary>A logger factory that keeps every entry, for asserting on log events.</summary>
public sealed class ListLoggerFactory : ILoggerFactory
{
    private readonly Lock _lock = new();
    private readonly List<(EventId Id, LogLevel Level, string Message, Exception? Exception)> _entries = [];

    public IReadOnlyList<(EventId Id, LogLevel Level, string Message, Exception? Exception)> Entries
    {
        get
        {
            lock (_lock)
            {
                return [.. _entries];
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new ListLogger(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class ListLogger(ListLoggerFactory owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner._lock)
            {
                owner._entries.Add((eventId, logLevel, formatter(state, exception), exception));
            }
        }
    }
}
