namespace Trellis.Tests.Fakes;

/// <summary>How a <see cref="Worker"/> behaves.</summary>
public sealed record WorkerOptions
{
    public bool TrapExit { get; init; }

    /// <summary>On shutdown, keep running terminate until killed.</summary>
    public bool IgnoreShutdown { get; init; }

    /// <summary>What init returns; null for ok.</summary>
    public Func<InitResult>? Init { get; init; }

    /// <summary>Throw from init.</summary>
    public bool CrashInInit { get; init; }
}

/// <summary>A GenServer that logs "start id" and "stop id" and obeys simple commands.</summary>
public sealed class Worker(string id, EventLog log, WorkerOptions options) : GenServer
{
    public static ChildSpec Spec(string id, EventLog log, WorkerOptions? options = null, RestartType restart = RestartType.Permanent) =>
        ChildSpec.ForServer(id, () => new Worker(id, log, options ?? new WorkerOptions())) with { Restart = restart };

    protected override InitResult Init(object? argument)
    {
        if (options.CrashInInit)
        {
            throw new InvalidOperationException("init crash " + id);
        }

        var result = options.Init?.Invoke() ?? InitResult.Ok();
        Context.TrapExit = options.TrapExit;
        log.Add("start " + id);
        return result;
    }

    protected override ServerResult HandleCall(object request, From from) => request switch
    {
        "ping" => Reply("pong"),
        "id" => Reply(id),
        "crash" => throw new InvalidOperationException("crash " + id),
        ExitReason reason => Stop(reason, "stopping"),
        _ => base.HandleCall(request, from),
    };

    protected override ServerResult HandleCast(object request) => request switch
    {
        ExitReason reason => Stop(reason),
        "crash" => throw new InvalidOperationException("crash " + id),
        _ => NoReply(),
    };

    protected override async ValueTask TerminateAsync(ExitReason reason)
    {
        log.Add("stop " + id);
        if (options.IgnoreShutdown && reason.IsShutdown)
        {
            // Hang in terminate until the supervisor kills this process (which cancels its token).
            var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var registration = Context.CancellationToken.Register(() => killed.TrySetResult());
            await killed.Task;
        }
    }
}
