using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Trellis.Examples.Worker;

/// <summary>A BackgroundService that crashes on its first two runs, then ticks: supervised, it heals.</summary>
public sealed partial class FlakyWorker(Runs runs, ILogger<FlakyWorker> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var run = runs.Next();
        LogRun(logger, run);
        if (run <= 2)
        {
            throw new InvalidOperationException($"flaky worker crash #{run}");
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "flaky worker: run {Run}")]
    private static partial void LogRun(ILogger logger, int run);
}

/// <summary>A BackgroundService that always crashes: the root supervisor gives up and the process exits with code 1.</summary>
public sealed class DoomedWorker : BackgroundService
{
    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => throw new InvalidOperationException("doomed");
}

/// <summary>Counts runs across restarts (a singleton: each restart is a new worker instance).</summary>
public sealed class Runs
{
    private int _count;

    /// <summary>The runs so far.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Counts a run.</summary>
    /// <returns>Its number, from 1.</returns>
    public int Next() => Interlocked.Increment(ref _count);
}
