using Trellis;

namespace Trellis.Examples.DemoServices;

/// <summary>An in-process GenServer the daemon hosts: it ticks every second and counts.</summary>
public sealed class Ticker : GenServer
{
    private ITimer? _timer;
    private long _ticks;

    /// <inheritdoc/>
    protected override InitResult Init(object? argument)
    {
        var self = Self;
        var period = TimeSpan.FromMilliseconds(argument is string s && int.TryParse(s, out var ms) ? ms : 1000);
        _timer = Context.Node.TimeProvider.CreateTimer(_ => self.Send("tick"), null, period, period);
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
}
