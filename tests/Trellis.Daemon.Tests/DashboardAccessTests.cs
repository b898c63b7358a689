using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Trellis.Daemon.Tests;

/// <summary>
/// Who may use the dashboard's TCP port: with a token, only requests that carry it (as <c>?token=</c> or a bearer
/// header), from any address the daemon listens on; without one, only requests addressed to a loopback host, and
/// changes only with the <c>X-Trellis</c> header.
/// </summary>
public sealed class DashboardAccessTests
{
    private const string Token = "s3cret-token-0123456789";

    [Fact]
    public async Task Beyond_loopback_every_request_needs_the_token_and_the_dashboard_url_carries_it()
    {
        await using var d = await DaemonProcess.StartAsync($$"""
            name: open
            dashboard: {bind: 0.0.0.0, port: 0, token: {{Token}}}
            children:
              - service: a
                command: [sleep, "1000"]
            """);
        var url = new Uri(File.ReadAllText(Path.Combine(d.StateDir, "dashboard.url")).Trim());
        Assert.Equal("?token=" + Token, url.Query);
        using var http = new HttpClient { Timeout = DaemonProcess.Deadline };

        // Every address the daemon listens on: loopback and, when the machine has one, an outside address.
        var hosts = new List<string> { "127.0.0.1" };
        hosts.AddRange(NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .Where(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
            .Select(a => a.ToString())
            .Take(1));
        foreach (var host in hosts)
        {
            var root = $"http://{host}:{url.Port}/";
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(root)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(root + "api/tree")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(root + "api/tree?token=" + Token[..^1] + "x")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(root + "api/tree?token=" + Token[..^1])).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await Send(http, HttpMethod.Post, root + "api/nodes/a/restart", bearer: "Bearer wrong")).StatusCode);

            var page = await http.GetAsync(root + "?token=" + Token);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("<html", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
            Assert.Equal(HttpStatusCode.OK, (await Send(http, HttpMethod.Get, root + "api/tree", bearer: "Bearer " + Token)).StatusCode);
        }

        // The token is enough to change something, with no other header.
        var pid = await d.OsPidAsync("a");
        var restart = await Send(http, HttpMethod.Post, $"http://127.0.0.1:{url.Port}/api/nodes/a/restart?token={Token}");
        Assert.Equal(HttpStatusCode.OK, restart.StatusCode);
        Assert.NotEqual(pid, await d.OsPidAsync("a"));
        Assert.False(Os.Alive(pid));

        // The owner's socket needs no token.
        Assert.Equal(200, (await d.Client.GetAsync("api/tree")).Status);
    }

    [Fact]
    public async Task Without_a_token_only_loopback_hosts_are_answered_and_changes_need_the_trellis_header()
    {
        await using var d = await DaemonProcess.StartAsync("""
            name: local
            children:
              - service: a
                command: [sleep, "1000"]
            """);
        var url = new Uri(File.ReadAllText(Path.Combine(d.StateDir, "dashboard.url")).Trim());
        Assert.Equal("127.0.0.1", url.Host);
        Assert.Equal(string.Empty, url.Query);
        var root = $"http://127.0.0.1:{url.Port}/";
        using var http = new HttpClient { Timeout = DaemonProcess.Deadline };

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(root + "api/tree")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send(http, HttpMethod.Get, root + "api/tree", host: $"localhost:{url.Port}")).StatusCode);

        // A name that resolves to 127.0.0.1 only through DNS rebinding is refused.
        var rebound = await Send(http, HttpMethod.Get, root + "api/tree", host: $"attacker.example:{url.Port}");
        Assert.Equal(HttpStatusCode.Forbidden, rebound.StatusCode);
        Assert.Contains("loopback host", await rebound.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A cross-site form post cannot add the header: refused, and the service keeps running untouched.
        var pid = await d.OsPidAsync("a");
        var post = await Send(http, HttpMethod.Post, root + "api/nodes/a/kill");
        Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
        Assert.Contains("X-Trellis", await post.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(pid, await d.OsPidAsync("a"));
        Assert.True(Os.Alive(pid));

        var allowed = await Send(http, HttpMethod.Post, root + "api/nodes/a/restart", trellisHeader: true);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.NotEqual(pid, await d.OsPidAsync("a"));
    }

    private static async Task<HttpResponseMessage> Send(
        HttpClient http, HttpMethod method, string url, string? bearer = null, string? host = null, bool trellisHeader = false)
    {
        using var request = new HttpRequestMessage(method, url);
        if (bearer is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", bearer);
        }

        if (host is not null)
        {
            request.Headers.Host = host;
        }

        if (trellisHeader)
        {
            request.Headers.Add("X-Trellis", "1");
        }

        return await http.SendAsync(request);
    }
}
