using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Trellis.Hosting.Internal;

/// <summary>The root supervisor in the host's lifetime.</summary>
internal sealed partial class TrellisHostedService(
    Node node,
    TrellisBuilder builder,
    IServiceProvider services,
    IOptions<TrellisOptions> options,
    SupervisionHealth health,
    IHostApplicationLifetime lifetime,
    ILogger<TrellisHostedService> logger) : IHostedService
{
    private Pid _root;
    private Task? _watch;
    private volatile bool _stopping;

    public Pid Root => _root;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var specs = builder.Children.Select(make => make(services)).ToList();
        var flags = new SupervisorFlags { Strategy = o.Strategy, Intensity = o.Intensity, Period = o.Period };
        var started = await Supervisor.StartAsync(node, specs, flags, "trellis.root", cancellationToken).ConfigureAwait(false);
        if (!started.IsOk)
        {
            throw new InvalidOperationException($"the Trellis root supervisor did not start: {started}");
        }

        _root = started.Pid;
        _watch = WatchAsync(started.Pid);
        LogStarted(logger, specs.Count, started.Pid);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        if (_root.IsAlive)
        {
            var exited = Node.WaitForExitAsync(_root, CancellationToken.None);
            try
            {
                await GenServer.StopAsync(_root, ExitReason.Shutdown).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                LogKilled(logger);
                Node.Exit(_root, ExitReason.Kill);
            }
            catch (CallException)
            {
                // It exited meanwhile.
            }

            await exited.ConfigureAwait(false);
        }

        if (_watch is not null)
        {
            await _watch.ConfigureAwait(false);
        }
    }

    /// <summary>The root's exit outside a host stop means it gave up: the host stops and the process exits non-zero.</summary>
    private async Task WatchAsync(Pid root)
    {
        var reason = await Node.WaitForExitAsync(root).ConfigureAwait(false);
        if (_stopping)
        {
            return;
        }

        health.GaveUp = reason;
        LogGaveUp(logger, reason);
        Environment.ExitCode = 1;
        lifetime.StopApplication();
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Trellis root supervisor {Root} started with {Count} children")]
    private static partial void LogStarted(ILogger logger, int count, Pid root);

    [LoggerMessage(EventId = 201, Level = LogLevel.Critical, Message = "The Trellis root supervisor exited with {Reason}: stopping the host, exit code 1")]
    private static partial void LogGaveUp(ILogger logger, ExitReason reason);

    [LoggerMessage(EventId = 202, Level = LogLevel.Error, Message = "The host's shutdown timeout passed before the Trellis tree stopped: killing it")]
    private static partial void LogKilled(ILogger logger);
}
