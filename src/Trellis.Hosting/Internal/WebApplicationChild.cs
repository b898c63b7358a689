using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Trellis.Hosting.Internal;

/// <summary>A web application as a subtree: a supervisor over one worker that runs Kestrel, the way cowboy sits under its own supervisor.</summary>
internal static class WebApplicationChild
{
    public static ChildSpec Spec(string id, Func<WebApplication> build, RestartType restart, Shutdown shutdown)
    {
        var server = new ChildSpec
        {
            Id = "kestrel",
            Shutdown = shutdown,
            Start = (sup, _) => new(StartResult.Ok(sup.SpawnLink(ctx => RunAsync(ctx, build)))),
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

    private static async ValueTask RunAsync(ProcessContext context, Func<WebApplication> build)
    {
        context.TrapExit = true;
        var app = build();
        try
        {
            await app.StartAsync(context.CancellationToken).ConfigureAwait(false);
            var lifetime = app.Services.GetService(typeof(IHostApplicationLifetime)) as IHostApplicationLifetime;
            var self = context.Self;
            using var stopping = lifetime?.ApplicationStopping.Register(static s => ((Pid)s!).Send(StoppedByItself.Instance), self);
            switch (await context.ReceiveAsync().ConfigureAwait(false))
            {
                case ExitMessage exit:
                    await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
                    throw new ExitException(exit.Reason);
                default:
                    // The application stopped by itself: an abnormal exit, so a permanent or transient subtree restarts it.
                    await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
                    throw new ExitException(ExitReason.Atom("web_application_stopped"));
            }
        }
        finally
        {
            await app.DisposeAsync().ConfigureAwait(false);
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
