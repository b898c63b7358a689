using Trellis.Internal;

namespace Trellis;

/// <summary>
/// A process that holds a value (Elixir's <c>Agent</c>): read it with <see cref="GetAsync"/>, change it with
/// <see cref="UpdateAsync"/>. The functions run inside the agent, one at a time.
/// </summary>
public static class Agent
{
    /// <summary>Starts an agent linked to <paramref name="parent"/>, its value made by <paramref name="initial"/> inside the agent.</summary>
    /// <param name="parent">The starting process.</param>
    /// <param name="initial">Makes the initial value.</param>
    /// <param name="options">Name and start timeout.</param>
    /// <param name="cancellationToken">Stops waiting for the start: the starting process is killed and the call throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The start result.</returns>
    public static ValueTask<StartResult> StartLinkAsync(ProcessContext parent, Func<object?> initial, GenServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(initial);
        return GenServer.StartLinkAsync(parent, () => new AgentServer(), initial, options, cancellationToken);
    }

    /// <summary>Starts an agent no process is linked to.</summary>
    /// <param name="node">The node.</param>
    /// <param name="initial">Makes the initial value.</param>
    /// <param name="options">Name and start timeout.</param>
    /// <param name="cancellationToken">Stops waiting for the start: the starting process is killed and the call throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The start result.</returns>
    public static ValueTask<StartResult> StartAsync(Node node, Func<object?> initial, GenServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(initial);
        return GenServer.StartAsync(node, () => new AgentServer(), initial, options, cancellationToken);
    }

    /// <summary>Reads from the value: returns <paramref name="read"/> applied to it.</summary>
    /// <typeparam name="TState">The value's type.</typeparam>
    /// <typeparam name="TResult">What is read.</typeparam>
    /// <param name="agent">The agent.</param>
    /// <param name="read">Runs inside the agent.</param>
    /// <param name="timeout">Call timeout; five seconds by default.</param>
    /// <returns>What <paramref name="read"/> returned.</returns>
    public static async ValueTask<TResult> GetAsync<TState, TResult>(Pid agent, Func<TState, TResult> read, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        var reply = await GenServer.CallAsync(agent, new AgentServer.Get(s => read((TState)s!)), timeout).ConfigureAwait(false);
        return (TResult)reply!;
    }

    /// <summary>Replaces the value with <paramref name="update"/> applied to it, and waits until done.</summary>
    /// <typeparam name="TState">The value's type.</typeparam>
    /// <param name="agent">The agent.</param>
    /// <param name="update">Runs inside the agent.</param>
    /// <param name="timeout">Call timeout; five seconds by default.</param>
    /// <returns>A task.</returns>
    public static async ValueTask UpdateAsync<TState>(Pid agent, Func<TState, TState> update, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(update);
        await GenServer.CallAsync(agent, new AgentServer.GetAndUpdate(s => (null, update((TState)s!))), timeout).ConfigureAwait(false);
    }

    /// <summary>Reads and replaces the value in one step.</summary>
    /// <typeparam name="TState">The value's type.</typeparam>
    /// <typeparam name="TResult">What is read.</typeparam>
    /// <param name="agent">The agent.</param>
    /// <param name="getAndUpdate">Returns what is read and the new value.</param>
    /// <param name="timeout">Call timeout; five seconds by default.</param>
    /// <returns>What was read.</returns>
    public static async ValueTask<TResult> GetAndUpdateAsync<TState, TResult>(Pid agent, Func<TState, (TResult Result, TState State)> getAndUpdate, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(getAndUpdate);
        var reply = await GenServer.CallAsync(
            agent,
            new AgentServer.GetAndUpdate(s =>
            {
                var (result, state) = getAndUpdate((TState)s!);
                return (result, state);
            }),
            timeout).ConfigureAwait(false);
        return (TResult)reply!;
    }

    /// <summary>Replaces the value without waiting.</summary>
    /// <typeparam name="TState">The value's type.</typeparam>
    /// <param name="agent">The agent.</param>
    /// <param name="update">Runs inside the agent.</param>
    /// <returns>True if the agent was alive.</returns>
    public static bool Cast<TState>(Pid agent, Func<TState, TState> update)
    {
        ArgumentNullException.ThrowIfNull(update);
        return GenServer.Cast(agent, new AgentServer.Update(s => update((TState)s!)));
    }

    /// <summary>Stops the agent; see <see cref="GenServer.StopAsync"/>.</summary>
    /// <param name="agent">The agent.</param>
    /// <param name="reason">The reason; <c>normal</c> by default.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>The reason it exited with.</returns>
    public static Task<ExitReason> StopAsync(Pid agent, ExitReason? reason = null, TimeSpan? timeout = null) =>
        GenServer.StopAsync(agent, reason, timeout);
}
