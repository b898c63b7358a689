namespace Trellis.Examples.Stack;

/// <summary>Seed 004's Stack: pop on an empty stack is a bug, and the supervisor restarts it with its initial state.</summary>
public sealed class StackServer : GenServer
{
    private readonly List<object> _items = [];

    /// <summary>The requests the stack understands.</summary>
    public static class Requests
    {
        /// <summary>Pops the top item.</summary>
        public const string Pop = "pop";
    }

    /// <summary>Pushes <paramref name="item"/>.</summary>
    /// <param name="item">The item.</param>
    public sealed record Push(object Item);

    /// <inheritdoc />
    protected override InitResult Init(object? argument)
    {
        if (argument is IEnumerable<object> initial)
        {
            _items.AddRange(initial);
        }

        return InitResult.Ok();
    }

    /// <inheritdoc />
    protected override ServerResult HandleCall(object request, From from)
    {
        if (request is Requests.Pop)
        {
            // Like the seed's handle_call(:pop, _from, [top | rest]): no clause for an empty stack, so it crashes.
            var top = _items[0];
            _items.RemoveAt(0);
            return Reply(top);
        }

        return base.HandleCall(request, from);
    }

    /// <inheritdoc />
    protected override ServerResult HandleCast(object request)
    {
        if (request is Push push)
        {
            _items.Insert(0, push.Item);
            return NoReply();
        }

        return base.HandleCast(request);
    }
}
