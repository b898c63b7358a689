using System.Net;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using Trellis.Daemon.Access;
using Trellis.Daemon.Config;
using Trellis.Daemon.Runtime;
using Trellis.OsProcess;

namespace Trellis.Daemon.Api;

/// <summary>
/// Kestrel serving the API and the dashboard: on the control socket (for the CLI; only root, the daemon's owner and
/// the <c>admins:</c> group may connect, and each connection's peer is checked again by its credentials) and, unless
/// turned off, on a TCP port for the browser, where every request needs the token (<see cref="AccessGuard"/>).
/// </summary>
internal sealed class ApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly DaemonMetrics _metrics;

    private ApiServer(WebApplication app, string socket, DaemonMetrics metrics)
    {
        _app = app;
        Socket = socket;
        _metrics = metrics;
    }

    public string Socket { get; }

    /// <summary>The dashboard's address (with the port Kestrel chose for port 0), without the token; null when it is off.</summary>
    public string? DashboardUrl { get; private set; }

    public static async Task<ApiServer> StartAsync(ServiceTree tree, DaemonConfig config, string socket, DashboardToken? token, ILogger logger, Func<string?, Task<CommandResult>> reload)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var dashboard = config.Dashboard;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = AccessGuard.MaxBody;
            k.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            k.Limits.MaxRequestLineSize = 8 * 1024;
            k.ListenUnixSocket(socket);
            if (dashboard is not null)
            {
                k.Listen(IPAddress.Parse(dashboard.Bind), dashboard.Port);
            }
        });
        // /metrics: the daemon's meter and the library's, in Prometheus text, behind the same access rules as the API.
        var metrics = new DaemonMetrics(tree);
        builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(DaemonMetrics.MeterName, "Trellis").AddPrometheusExporter());
        var app = builder.Build();
        var policy = new SocketPolicy(UnixAccounts.EffectiveUserId, config.Admins?.Gid, config.Admins?.Name);
        var guard = new AccessGuard(policy, token, dashboard is not null && IPAddress.IsLoopback(IPAddress.Parse(dashboard.Bind)), logger, tree.Ctx.Time);
        app.Use(guard.InvokeAsync);
        var url = new StrongBox<string?>();
        ApiEndpoints.Map(app, tree, logger, token, () => Volatile.Read(ref url.Value), reload);
        app.MapPrometheusScrapingEndpoint("/metrics");

        // The socket is created with this umask, so not even for an instant can another user connect to it.
        using (UnixFiles.OwnerOnlyNewFiles())
        {
            await app.StartAsync().ConfigureAwait(false);
        }

        if (config.Admins is { } admins)
        {
            // The group's members connect through the group's bits; the peer check lets them in.
            if (UnixFiles.ChangeGroup(socket, admins.Gid) is { } error)
            {
                await app.StopAsync().ConfigureAwait(false);
                await app.DisposeAsync().ConfigureAwait(false);
                metrics.Dispose();
                throw new IOException(error);
            }

            _ = UnixFiles.SetMode(socket, 0x1B0 /* 0660 */);
        }
        else
        {
            _ = UnixFiles.SetMode(socket, 0x180 /* 0600 */);
        }

        var server = new ApiServer(app, socket, metrics);
        if (dashboard is not null)
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var tcp = addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.Ordinal) && !a.Contains("unix:", StringComparison.Ordinal));
            if (tcp is not null)
            {
                var port = new Uri(tcp.Replace("[::]", "localhost", StringComparison.Ordinal)).Port;
                var host = dashboard.Bind.Contains(':', StringComparison.Ordinal) ? $"[{dashboard.Bind}]" : dashboard.Bind;
                server.DashboardUrl = $"http://{host}:{port}/";
                Volatile.Write(ref url.Value, server.DashboardUrl);
            }
        }

        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _metrics.Dispose();
        try
        {
            File.Delete(Socket);
        }
        catch (IOException)
        {
        }
    }
}
