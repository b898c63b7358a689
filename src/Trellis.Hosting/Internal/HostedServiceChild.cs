using Microsoft.Extensions.Hosting;

namespace Trellis.Hosting.Internal;

/// <summary>A hosted service as a supervised child: start it, watch its ExecuteTask, stop it on an exit signal.</summary>
internal static class HostedServiceChild
{
    public static ChildSpec Spec(string id, Func<IHostedService> create, RestartType restart, Shutdown shutdown) => new()
    {
        Id = id,
        Restart = restart,
        Shutdown = shutdown,
        Start = (sup, _) => new(StartResult.Ok(sup.SpawnLink(ctx => RunAsync(ctx, create)))),
        Modules = [id],
    };

    private static async ValueTask RunAsync(ProcessContext context, Func<IHostedService> create)
    {
        context.TrapExit = true;
        var service = create();
        try
        {
            await service.StartAsync(context.CancellationToken).ConfigureAwait(false);
            var self = context.Self;
            if (service is BackgroundService { ExecuteTask: { } execute })
            {
                // The watch only sends a message: the process itself decides, in its own loop.
                _ = execute.ContinueWith(static (t, s) => ((Pid)s!).Send(new Executed(t)), self, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            while (true)
            {
                switch (await context.ReceiveAsync().ConfigureAwait(false))
                {
                    case ExitMessage exit:
                        await service.StopAsync(CancellationToken.None).ConfigureAwait(false);
                        throw new ExitException(exit.Reason);
                    case Executed { Task.IsFaulted: true } failed:
                        await service.StopAsync(CancellationToken.None).ConfigureAwait(false);
                        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failed.Task.Exception!.GetBaseException());
                        break;
                    case Executed:
                        await service.StopAsync(CancellationToken.None).ConfigureAwait(false);
                        return;
                }
            }
        }
        finally
        {
            switch (service)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
    }

    private sealed record Executed(Task Task);
}
