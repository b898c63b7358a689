namespace Trellis.Tests.Fakes;

/// <summary>
/// A test process that runs steps sent to it inside itself (so code that must run "as the calling process", such as
/// Registry.Register or TaskSupervisor.RunNolinkAsync, can be driven from a test) and stays alive between steps.
/// </summary>
public sealed class Actor
{
    private Actor(Pid pid) => Pid = pid;

    public Pid Pid { get; }

    public static Actor Spawn(Node node, bool trapExit = false) => new(node.Spawn(async ctx =>
    {
        ctx.TrapExit = trapExit;
        while (true)
        {
            var message = await ctx.ReceiveAsync(m => m is Step, Timeout.InfiniteTimeSpan);
            await ((Step)message!).Run(ctx);
        }
    }));

    /// <summary>Runs <paramref name="step"/> inside the process and returns its result; an exception escaping it crashes the process.</summary>
    public async Task<T> Do<T>(Func<ProcessContext, ValueTask<T>> step)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var exited = Node.WaitForExitAsync(Pid);
        Assert.True(Pid.Send(new Step(async ctx =>
        {
            try
            {
                done.SetResult(await step(ctx));
            }
            catch (Exception ex)
            {
                done.SetException(ex);
                throw;
            }
        })), "the actor is not alive");
        await Task.WhenAny(done.Task, exited).WaitAsync(Probe.Deadline);
        if (!done.Task.IsCompleted)
        {
            throw new InvalidOperationException($"the actor exited with {exited.Result} before the step ended");
        }

        return await done.Task;
    }

    public Task<T> Do<T>(Func<ProcessContext, T> step) => Do(ctx => new ValueTask<T>(step(ctx)));

    private sealed record Step(Func<ProcessContext, ValueTask> Run);
}
