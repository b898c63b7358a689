using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Trellis.Examples.DemoServices;

/// <summary>An in-process BackgroundService the daemon hosts under its supervisor; it logs each beat.</summary>
/// <param name="logger">Given by the daemon, which keeps the lines with the worker's output.</param>
public sealed partial class Heartbeat(ILogger<Heartbeat> logger) : BackgroundService
{
    /// <summary>Beats once every five seconds.</summary>
    public static long Beats => Interlocked.Read(ref _beats);

    private static long _beats;

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Started(logger);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var count = Interlocked.Increment(ref _beats);
            Beat(logger, count);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "heartbeat started")]
    private static partial void Started(ILogger logger);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "beat {Count}")]
    private static partial void Beat(ILogger logger, long count);
}
