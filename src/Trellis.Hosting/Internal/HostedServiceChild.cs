using Microsoft.Extensions.Hosting;

namespace Trellis.Hosting.Internal;

/// <summary>
/// A hosted service as a supervised child: a server whose init runs the service's <c>StartAsync</c>, so the start
/// returns (and the next sibling starts) only once the service has started, as the generic host awaits each one in
/// turn, and a service that fails to start is a failed start. It watches a BackgroundService's ExecuteTask, and stops
/// the service on an exit signal.
/// </summary>
internal static class HostedServiceChild
{
    public static ChildSpec Spec(string id, Func<IHostedService> create, RestartType restart, Shutdown shutdown) =>
        ChildSpec.ForServer(id, () => new Server(create)) with
        {
            Restart = restart,
            Shutdown = shutdown,
            Modules = [id],
        };

    private sealed class Server(Func<IHostedService> create) : GenServer
    {
        private IHostedService? _service;

        protected override async ValueTask<InitResult> InitAsync(object? argument)
        {
            // Trapping exits makes a shutdown run TerminateAsync, which stops the service.
            Context.TrapExit = true;
            var service = create();
            try
            {
                await service.StartAsync(Context.CancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await DisposeAsync(service).ConfigureAwait(false);
                throw;
            }

            _service = service;
            if (service is BackgroundService { ExecuteTask: { } execute })
            {
                // The watch only sends a message: the server itself decides, in its own loop.
                _ = execute.ContinueWith(static (t, s) => ((Pid)s!).Send(new Executed(t)), Self, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            return InitResult.Ok();
        }

        protected override ServerResult HandleInfo(object message) => message switch
        {
            // ExecuteAsync threw: a crash with its exception. It returned: the service is done, a normal exit.
            Executed { Task.IsFaulted: true } failed => ServerResult.Stop(ExitReason.FromException(failed.Task.Exception!.GetBaseException())),
            Executed => ServerResult.Stop(ExitReason.Normal),
            _ => base.HandleInfo(message),
        };

        protected override async ValueTask TerminateAsync(ExitReason reason)
        {
            if (_service is { } service)
            {
                _service = null;
                try
                {
                    await service.StopAsync(CancellationToken.None).ConfigureAwait(false);
                }
                finally
                {
                    await DisposeAsync(service).ConfigureAwait(false);
                }
            }
        }

        private static async ValueTask DisposeAsync(IHostedService service)
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
