using Microsoft.AspNetCore.Http;

namespace Trellis.Daemon.Access;

/// <summary>Who made a request, for the audit line: a socket peer's uid and pid, or a TCP address and its credential.</summary>
internal static class Caller
{
    private const string Key = "trellis.caller";
    private const string SocketKey = "trellis.socket";

    public static void Set(HttpContext http, string who, bool overSocket)
    {
        http.Items[Key] = who;
        http.Items[SocketKey] = overSocket;
    }

    public static string Of(HttpContext http) => http.Items[Key] as string ?? "unknown caller";

    /// <summary>Whether the request came over the control socket from an authorised peer.</summary>
    public static bool OverSocket(HttpContext http) => http.Items[SocketKey] is true;
}
