using System.Net;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Trellis.Daemon.Runtime;

namespace Trellis.Daemon.Access;

/// <summary>
/// The first thing every request meets. On the control socket: the peer's credentials against the
/// <see cref="SocketPolicy"/>. On TCP: the <see cref="TcpAccess"/> rules, the sign-in form and the session cookie.
/// A refusal is answered with a sentence and logged (at most a few lines a minute, with a count of the rest).
/// </summary>
internal sealed class AccessGuard(SocketPolicy socketPolicy, DashboardToken? token, bool loopbackBind, ILogger logger, TimeProvider time)
{
    private static readonly TimeSpan SessionLifetime = TimeSpan.FromDays(7);
    private readonly RateGate _refusals = new(time, burst: 10, window: TimeSpan.FromMinutes(1));

    /// <summary>The largest request body taken: the API's requests carry none, the sign-in form a few bytes.</summary>
    public const int MaxBody = 64 * 1024;

    public Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        if (http.Request.ContentLength > MaxBody)
        {
            return DenyAsync(http, 413, $"a request body may have at most {MaxBody} bytes", Remote(http));
        }

        if (http.Connection.LocalIpAddress is null)
        {
            var socket = http.Features.Get<IConnectionSocketFeature>()?.Socket;
            var peer = socket is null ? null : PeerCredentials.Of(socket);
            if (socketPolicy.Refusal(peer) is { } refusal)
            {
                return DenyAsync(http, 403, refusal, peer?.ToString() ?? "an unknown peer (socket)");
            }

            Caller.Set(http, peer!.ToString(), overSocket: true);
            return next(http);
        }

        if (token is null)
        {
            // No token means no TCP listener; a request here is a bug, not a guest.
            return DenyAsync(http, 403, "the dashboard has no token", Remote(http));
        }

        var request = new TcpRequest(
            http.Request.Method,
            http.Request.Path.Value ?? "/",
            http.Request.Host.Host,
            Bearer(http.Request),
            http.Request.Query.TryGetValue("token", out var q) ? q.ToString() : null,
            http.Request.Cookies[CookieName(http)],
            http.Request.Headers.ContainsKey("X-Trellis"));
        var decision = TcpAccess.Decide(request, token, loopbackBind);
        switch (decision.Verdict)
        {
            case TcpVerdict.Allow when decision.By == "sign-in":
                return SignInAsync(http);
            case TcpVerdict.Allow:
                Caller.Set(http, $"{Remote(http)} ({decision.By})", overSocket: false);
                return next(http);
            case TcpVerdict.SignIn:
                SetSession(http);
                http.Response.StatusCode = 303;
                http.Response.Headers.Location = "/";
                return Task.CompletedTask;
            case TcpVerdict.SignInForm:
                return SignInFormAsync(http, null);
            default:
                return DenyAsync(http, decision.Status, decision.Message!, Remote(http));
        }
    }

    /// <summary>Cookies do not tell ports apart, so each daemon's cookie is named after its port.</summary>
    private static string CookieName(HttpContext http) =>
        "trellis_" + http.Connection.LocalPort.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string? Bearer(HttpRequest request)
    {
        var auth = request.Headers.Authorization.ToString();
        return auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? auth["Bearer ".Length..].Trim() : null;
    }

    private static string Remote(HttpContext http) =>
        http.Connection.RemoteIpAddress is { } ip ? new IPEndPoint(ip, http.Connection.RemotePort).ToString() : "an unknown address";

    private void SetSession(HttpContext http) =>
        http.Response.Cookies.Append(CookieName(http), token!.SessionValue, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Path = "/",
            MaxAge = SessionLifetime,
            IsEssential = true,
        });

    private async Task SignInAsync(HttpContext http)
    {
        string? given = null;
        if (http.Request.HasFormContentType && http.Request.ContentLength is <= 4096)
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
            given = form["token"].ToString();
        }

        if (!token!.Matches(given))
        {
            LogRefusal(Remote(http), "POST /login", "wrong token");
            await SignInFormAsync(http, "That is not the token.").ConfigureAwait(false);
            return;
        }

        SetSession(http);
        http.Response.StatusCode = 303;
        http.Response.Headers.Location = "/";
    }

    private static Task SignInFormAsync(HttpContext http, string? error)
    {
        http.Response.StatusCode = 401;
        http.Response.Headers.CacheControl = "no-store";
        return http.Response.WriteAsync(SignInPage.Html(error), http.RequestAborted);
    }

    private Task DenyAsync(HttpContext http, int status, string message, string who)
    {
        LogRefusal(who, $"{http.Request.Method} {http.Request.Path}", message);
        http.Response.StatusCode = status;
        return http.Response.WriteAsJsonAsync(new { ok = false, code = ExitCodes.Refused, message }, http.RequestAborted);
    }

    private void LogRefusal(string who, string what, string why)
    {
        if (_refusals.TryPass(out var held))
        {
            if (held > 0)
            {
                Log.RefusalsHeld(logger, held);
            }

            Log.Refused(logger, who, what, why);
        }
    }
}
