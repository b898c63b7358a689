using Microsoft.Extensions.Hosting;

namespace Trellis.Examples.DemoServices;

/// <summary>An in-process BackgroundService the daemon hosts under its supervisor.</summary>
public sealed class Heartbeat : BackgroundService
{
    /// <summary>Beats once every five seconds.</summary>
    public static long Beats => Interlocked.Read(ref _beats);

    private static long _beats;

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            Interlocked.Increment(ref _beats);
        }
    }
}
