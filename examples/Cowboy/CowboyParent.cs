using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Trellis.Examples.Cowboy;

/// <summary>
/// The seed's <c>#{node}_cowboy_parent</c>, started on a serving node by the supervisor node. It runs the HTTP listener
/// (Kestrel, answering the date) in a process linked to it, as cowboy's listener supervisor is, and stops with it. It
/// traps exits: an exit signal from anyone stops the listener cleanly and ends it; and because its parent is the
/// supervisor on the other node, losing that node (killed, frozen, unplugged) ends it too: the seed's orphan, fixed.
/// </summary>
internal sealed class CowboyParent : GenServer
{
    private Pid _listener;

    protected override async ValueTask<InitResult> InitAsync(object? argument)
    {
        Context.TrapExit = true;
        var port = (int)argument!;
        var self = Self;
        var listener = Context.SpawnLink(ctx => ServeAsync(ctx, self, port));
        _listener = listener;
        var answer = await Context.ReceiveAsync(m => m is ListenerStarted || (m is ExitMessage e && e.From == listener), TimeSpan.FromSeconds(10));
        switch (answer)
        {
            case ListenerStarted:
                Console.WriteLine($"to start cowboy: listening on {port} under {Self}, parent {Parent} on {Parent.NodeName}");
                return InitResult.Ok();
            case ExitMessage failed:
                return InitResult.Stop(failed.Reason);
            default:
                Context.Exit(listener, ExitReason.Kill);
                return InitResult.Stop(ExitReason.Timeout);
        }
    }

    protected override ServerResult HandleInfo(object message) => message switch
    {
        // The listener died (the seed's DOWN), or someone asked this parent to exit (the seed's EXIT): stop.
        ExitMessage exit => ServerResult.Stop(exit.Reason),
        _ => ServerResult.NoReply(),
    };

    protected override async ValueTask TerminateAsync(ExitReason reason)
    {
        Console.WriteLine($"to stop cowboy ({reason})");
        if (_listener.IsAlive)
        {
            var stopped = Node.WaitForExitAsync(_listener);
            Context.Exit(_listener, ExitReason.Shutdown);
            await stopped.WaitAsync(TimeSpan.FromSeconds(5));
        }
    }

    /// <summary>The listener's process: Kestrel runs while it lives, and is stopped however it ends.</summary>
    private static async ValueTask ServeAsync(ProcessContext ctx, Pid parent, int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"));
        await using var app = builder.Build();
        app.MapGet("/", () => Results.Text(DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.ffffffZ", CultureInfo.InvariantCulture) + "\n"));
        await StartWithRetryAsync(app, ctx.CancellationToken);
        try
        {
            parent.Send(new ListenerStarted());
            await ctx.ReceiveAsync(_ => false, Timeout.InfiniteTimeSpan);
        }
        finally
        {
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await app.StopAsync(bound.Token);
            Console.WriteLine($"cowboy stopped: port {port} closed");
        }
    }

    /// <summary>A listener killed a moment ago may still hold the port while it closes: retry for up to 3 seconds.</summary>
    private static async Task StartWithRetryAsync(WebApplication app, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await app.StartAsync(cancellationToken);
                return;
            }
            catch (IOException) when (attempt < 30)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    private sealed record ListenerStarted;
}
