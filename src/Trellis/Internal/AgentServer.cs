namespace Trellis.Internal;

/// <summary>The GenServer behind <see cref="Agent"/>.</summary>
internal sealed class AgentServer : GenServer
{
    internal override string BehaviourName => "agent";

    private object? _state;

    protected override InitResult Init(object? argument)
    {
        _state = ((Func<object?>)argument!)();
        return InitResult.Ok();
    }

    protected override ServerResult HandleCall(object request, From from)
    {
        switch (request)
        {
            case Get get:
                return Reply(get.Read(_state));
            case GetAndUpdate update:
                var (result, state) = update.Apply(_state);
                _state = state;
                return Reply(result);
            default:
                return base.HandleCall(request, from);
        }
    }

    protected override ServerResult HandleCast(object request)
    {
        if (request is Update update)
        {
            _state = update.Apply(_state);
            return NoReply();
        }

        return base.HandleCast(request);
    }

    internal sealed record Get(Func<object?, object?> Read);

    internal sealed record GetAndUpdate(Func<object?, (object? Result, object? State)> Apply);

    internal sealed record Update(Func<object?, object?> Apply);
}
