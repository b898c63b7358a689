using Microsoft.Extensions.Logging;
using Trellis;

namespace Trellis.Examples.DemoServices;

/// <summary>
/// An in-process GenServer the daemon hosts: it ticks every second and counts. Its logger is given by the daemon,
/// which keeps what it logs with the worker's output (<c>trellis logs ticker</c>).
/// </summary>
/// <param name="logger">Where the ticker says what it does.</param>
public sealed partial class Ticker(ILogger<Ticker> logger) : GenServer
{
    private ITimer? _timer;
    private long _ticks;

    /// <inheritdoc/>
    protected override InitResult Init(object? argument)
    {
        var self = Self;
        var period = TimeSpan.FromMilliseconds(argument is string s && int.TryParse(s, out var ms) ? ms : 1000);
        _timer = Context.Node.TimeProvider.CreateTimer(_ => self.Send("tick"), null, period, period);
        Ticking(logger, period.TotalMilliseconds);
        return InitResult.Ok();
    }

    /// <inheritdoc/>
    protected override ServerResult HandleInfo(object message)
    {
        if (message is "tick")
        {
            _ticks++;
        }

        return NoReply();
    }

    /// <inheritdoc/>
    protected override ServerResult HandleCall(object request, From from) =>
        request is "ticks" ? Reply(_ticks) : base.HandleCall(request, from);

    /// <inheritdoc/>
    protected override ValueTask TerminateAsync(ExitReason reason)
    {
        _timer?.Dispose();
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "ticking every {Milliseconds} ms")]
    private static partial void Ticking(ILogger logger, double milliseconds);
}
