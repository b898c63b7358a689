using System.Net;

namespace Trellis.Daemon.Access;

/// <summary>What to do with one request on the dashboard's TCP port.</summary>
internal enum TcpVerdict
{
    /// <summary>Serve it.</summary>
    Allow,

    /// <summary>The token came in the page's address: set the session cookie and send the browser to the clean address.</summary>
    SignIn,

    /// <summary>No credential on a page request: answer 401 with the sign-in form.</summary>
    SignInForm,

    /// <summary>Refuse: 401 (no or a wrong credential) or 403 (a credential, but not for this).</summary>
    Deny,
}

/// <summary>A request on the TCP port, as far as access is concerned.</summary>
internal readonly record struct TcpRequest(
    string Method, string Path, string Host, string? Bearer, string? QueryToken, string? Cookie, bool TrellisHeader);

/// <summary>The decision, with the status and the sentence for a refusal, and how the caller proved itself.</summary>
internal readonly record struct TcpDecision(TcpVerdict Verdict, int Status = 200, string? Message = null, string? By = null)
{
    public static TcpDecision Refuse(int status, string message) => new(TcpVerdict.Deny, status, message);
}

/// <summary>
/// The rules of the TCP port, as one pure function. Every request needs the token: as a bearer header (scripts), in
/// the query (a link; a page request with it signs the browser in and is sent on without it), or as the session cookie
/// the sign-in set. A cookie comes with every request the browser makes to this host, whichever page asks, and pages
/// on other ports of the same host count as the same site, so a change made with the cookie must also carry the
/// <c>X-Trellis</c> header, which no page of another origin can add. On a loopback bind, a request addressed to any
/// host but a loopback one is refused, so DNS rebinding never reaches the daemon.
/// </summary>
internal static class TcpAccess
{
    public const string SignInPath = "/login";

    public static TcpDecision Decide(TcpRequest r, DashboardToken token, bool loopbackBind)
    {
        if (loopbackBind && !IsLoopbackHost(r.Host))
        {
            return TcpDecision.Refuse(403, "the dashboard answers only requests addressed to a loopback host");
        }

        var get = string.Equals(r.Method, "GET", StringComparison.OrdinalIgnoreCase) || string.Equals(r.Method, "HEAD", StringComparison.OrdinalIgnoreCase);
        if (r.Path == SignInPath && string.Equals(r.Method, "POST", StringComparison.OrdinalIgnoreCase))
        {
            // The sign-in form checks the token it is given itself.
            return new TcpDecision(TcpVerdict.Allow, By: "sign-in");
        }

        if (token.Matches(r.Bearer))
        {
            return new TcpDecision(TcpVerdict.Allow, By: "token");
        }

        if (token.Matches(r.QueryToken))
        {
            return get && r.Path == "/" ? new TcpDecision(TcpVerdict.SignIn, 303, By: "token") : new TcpDecision(TcpVerdict.Allow, By: "token");
        }

        if (token.MatchesSession(r.Cookie))
        {
            if (!get && !r.TrellisHeader)
            {
                return TcpDecision.Refuse(403, "requests that change something need the X-Trellis header");
            }

            return new TcpDecision(TcpVerdict.Allow, By: "session");
        }

        if (r.Bearer is not null || r.QueryToken is not null)
        {
            return TcpDecision.Refuse(401, "wrong token: the token is in the daemon's state_dir/dashboard.token, or ask `trellis dashboard`");
        }

        if (get && r.Path == "/")
        {
            return new TcpDecision(TcpVerdict.SignInForm, 401);
        }

        return TcpDecision.Refuse(401, "a token is required: sign in on the dashboard, or send Authorization: Bearer TOKEN (see `trellis dashboard`)");
    }

    private static bool IsLoopbackHost(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
}
