using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Trellis.Daemon.Config;
using Trellis.Daemon.Runtime;
using Trellis.OsProcess.Native;

namespace Trellis.Daemon.Api;

/// <summary>
/// Kestrel serving the API and the dashboard: on the control socket (a Unix socket only its owner can open, for the
/// CLI) and, unless turned off, on a loopback TCP port for the browser. Beyond loopback the tree file must set a
/// token. Over TCP, a request that changes something must carry the token or the <c>X-Trellis</c> header, which a
/// page of another origin cannot send without the daemon's consent; a loopback listener without a token answers only
/// requests addressed to a loopback host, so DNS rebinding cannot reach it.
/// </summary>
internal sealed class ApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ApiServer(WebApplication app, string socket)
    {
        _app = app;
        Socket = socket;
    }

    public string Socket { get; }

    /// <summary>The dashboard's address (with the port Kestrel chose for port 0); null when it is off.</summary>
    public string? DashboardUrl { get; private set; }

    public static async Task<ApiServer> StartAsync(ServiceTree tree, DaemonConfig config, string socket, Func<string?, Task<CommandResult>> reload)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var dashboard = config.Dashboard;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.ListenUnixSocket(socket);
            if (dashboard is not null)
            {
                k.Listen(IPAddress.Parse(dashboard.Bind), dashboard.Port);
            }
        });
        var app = builder.Build();
        app.Use((http, next) => Guard(http, next, dashboard));
        ApiEndpoints.Map(app, tree, reload);

        // The socket is created with this umask, so not even for an instant can another user connect to it.
        var old = Libc.umask(0x3F /* 077 */);
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        finally
        {
            _ = Libc.umask(old);
        }

        _ = Libc.chmod(socket, 0x180 /* 0600 */);
        var server = new ApiServer(app, socket);
        if (dashboard is not null)
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var tcp = addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.Ordinal) && !a.Contains("unix:", StringComparison.Ordinal));
            if (tcp is not null)
            {
                var port = new Uri(tcp.Replace("[::]", "localhost", StringComparison.Ordinal)).Port;
                var host = dashboard.Bind.Contains(':', StringComparison.Ordinal) ? $"[{dashboard.Bind}]" : dashboard.Bind;
                server.DashboardUrl = $"http://{host}:{port}/" + (dashboard.Token is { } t ? "?token=" + Uri.EscapeDataString(t) : string.Empty);
            }
        }

        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        try
        {
            File.Delete(Socket);
        }
        catch (IOException)
        {
        }
    }

    private static Task Guard(HttpContext http, RequestDelegate next, DashboardConfig? dashboard)
    {
        // The Unix socket is owner-only: whoever reached it may do anything.
        if (http.Connection.LocalIpAddress is null)
        {
            return next(http);
        }

        var token = dashboard?.Token;
        if (token is not null)
        {
            var given = http.Request.Query["token"].ToString();
            if (string.IsNullOrEmpty(given) && http.Request.Headers.Authorization.ToString() is { } auth && auth.StartsWith("Bearer ", StringComparison.Ordinal))
            {
                given = auth["Bearer ".Length..];
            }

            if (!System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.UTF8.GetBytes(given), System.Text.Encoding.UTF8.GetBytes(token)))
            {
                return Deny(http, 401, "a token is required: add ?token=... or an Authorization: Bearer header");
            }

            return next(http);
        }

        var host = http.Request.Host.Host;
        if (!(host is "localhost" || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip))))
        {
            return Deny(http, 403, "the dashboard answers only requests addressed to a loopback host");
        }

        if (!HttpMethods.IsGet(http.Request.Method) && !http.Request.Headers.ContainsKey("X-Trellis"))
        {
            return Deny(http, 403, "requests that change something need the X-Trellis header");
        }

        return next(http);
    }

    private static Task Deny(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        return http.Response.WriteAsJsonAsync(new { ok = false, code = ExitCodes.Failed, message });
    }
}
