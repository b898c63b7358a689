using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Trellis.Hosting.AspNetCore.Internal;

/// <summary>A web application as a subtree: a supervisor over one worker that runs Kestrel, the way cowboy sits under its own supervisor.</summary>
internal static class WebApplicationChild
{
    public static ChildSpec Spec(string id, Func<WebApplication> build, RestartType restart, Shutdown shutdown)
    {
        var handoff = new Handoff();
        var server = ChildSpec.ForServer("kestrel", () => new Server(build, handoff)) with
        {
            Shutdown = shutdown,
            Modules = ["Kestrel"],
        };
        return ChildSpec.ForSupervisor(id, new SupervisorFlags { Strategy = Strategy.OneForOne, Intensity = 3, Period = TimeSpan.FromSeconds(5) }, [server])
            with { Restart = restart };
    }

    /// <summary>A web application builder whose host lifetime ignores console signals: the outer host owns them.</summary>
    public static WebApplicationBuilder CreateBuilder()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Services.AddSingleton<IHostLifetime, SupervisedLifetime>();
        return builder;
    }

    /// <summary>
    /// Kestrel's worker: its init builds and starts the application, so the subtree has started only once the server
    /// listens, and an application that cannot start (a port in use) is a failed start, retried by the supervisor.
    /// </summary>
    private sealed class Server(Func<WebApplication> build, Handoff handoff) : GenServer
    {
        private WebApplication? _app;
        private CancellationTokenRegistration _stopping;
        private CancellationTokenRegistration _killed;

        protected override async ValueTask<InitResult> InitAsync(object? argument)
        {
            // Trapping exits makes a shutdown run TerminateAsync, which lets Kestrel drain.
            Context.TrapExit = true;
            await handoff.WaitAsync(Context.Node.TimeProvider).ConfigureAwait(false);
            var app = build();
            try
            {
                await app.StartAsync(Context.CancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await app.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            _app = app;
            var lifetime = app.Services.GetService(typeof(IHostApplicationLifetime)) as IHostApplicationLifetime;
            _stopping = lifetime?.ApplicationStopping.Register(static s => ((Pid)s!).Send(StoppedByItself.Instance), Self) ?? default;

            // Killed, the worker runs no terminate; its token is cancelled before its supervisor hears of the exit, so
            // the server is stopped here, and the replacement waits for it to let go of the port.
            _killed = Context.CancellationToken.Register(static s => ((Server)s!).OnKilled(), this);
            return InitResult.Ok();
        }

        // The application stopped by itself: an abnormal exit, so a permanent or transient subtree restarts it.
        protected override ServerResult HandleInfo(object message) => message is StoppedByItself
            ? ServerResult.Stop(ExitReason.Atom("web_application_stopped"))
            : base.HandleInfo(message);

        protected override async ValueTask TerminateAsync(ExitReason reason)
        {
            if (Interlocked.Exchange(ref _app, null) is { } app)
            {
                await _killed.DisposeAsync().ConfigureAwait(false);
                await StopAsync(app, CancellationToken.None).ConfigureAwait(false);
            }
        }

        private void OnKilled()
        {
            if (Interlocked.Exchange(ref _app, null) is { } app)
            {
                handoff.Begin(AbortAsync(app));
            }
        }

        private async Task AbortAsync(WebApplication app)
        {
            using var now = new CancellationTokenSource();
            await now.CancelAsync().ConfigureAwait(false);
            await StopAsync(app, now.Token).ConfigureAwait(false);
        }

        private async Task StopAsync(WebApplication app, CancellationToken cancel)
        {
            _stopping.Dispose();
            try
            {
                await app.StopAsync(cancel).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                // A stop with a cancelled token aborts the open connections at once; that is what it is for.
            }
            finally
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Between one run of a subtree's web application and the next: the stop of a killed run, which the next run
    /// awaits (up to a bound) before it binds the same port. A failed stop becomes the next start's failure.
    /// </summary>
    private sealed class Handoff
    {
        private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
        private Task? _stopping;

        public void Begin(Task stopping) => Volatile.Write(ref _stopping, stopping);

        public async Task WaitAsync(TimeProvider time)
        {
            if (Interlocked.Exchange(ref _stopping, null) is { } stopping)
            {
                try
                {
                    await stopping.WaitAsync(Bound, time).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // Still stopping after the bound: go on; if the port is still held, this start fails and is retried.
                }
            }
        }
    }

    private sealed class SupervisedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class StoppedByItself
    {
        public static StoppedByItself Instance { get; } = new();
    }
}
