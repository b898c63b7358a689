using System.Net;

namespace Trellis.Daemon.Tests;

/// <summary>
/// The dashboard's TCP port, attacked as a local program would: nothing without the token, loopback included; the
/// token signs a browser in with a cookie and leaves the address; a change made with the cookie needs X-Trellis; no
/// tree file can be named over TCP; and every change leaves an audit line.
/// </summary>
public sealed class TcpAccessTests
{
    private const string Tree = """
        name: guarded
        children:
          - service: a
            command: [sleep, "1000"]
        """;

    [Fact]
    public async Task Without_the_token_every_request_is_refused_and_the_tree_is_untouched()
    {
        await using var d = await DaemonProcess.StartAsync(Tree);
        var token = File.ReadAllText(Path.Combine(d.StateDir, "dashboard.token")).Trim();
        var root = File.ReadAllText(Path.Combine(d.StateDir, "dashboard.url")).Trim();
        Assert.Equal("127.0.0.1", new Uri(root).Host);
        Assert.Equal(string.Empty, new Uri(root).Query);
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = DaemonProcess.Deadline };
        var pid = await d.OsPidAsync("a");
        var mine = Path.Combine(d.Dir, "mine.yaml");
        File.WriteAllText(mine, "name: guarded\nchildren:\n  - service: evil\n    command: [sleep, \"1000\"]\n");

        // No token, a wrong one, a cut one, the X-Trellis header alone: 401 for reads and changes alike.
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(http, HttpMethod.Get, root + "api/tree")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(http, HttpMethod.Get, root + "api/nodes/a/logs")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(http, HttpMethod.Get, root + "api/tree?token=" + token[..^1])).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(http, HttpMethod.Get, root + "api/tree", bearer: "Bearer wrong-token-0123456789")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(http, HttpMethod.Post, root + "api/nodes/a/kill", trellisHeader: true)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(http, HttpMethod.Post, root + "api/nodes/a/stop", trellisHeader: true, cookie: "trellis_1=forged")).StatusCode);
        var shadow = await Send(http, HttpMethod.Post, root + "api/reload?file=/etc/shadow", trellisHeader: true);
        Assert.Equal(HttpStatusCode.Unauthorized, shadow.StatusCode);
        Assert.DoesNotContain("root:", await shadow.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(http, HttpMethod.Post, root + "api/reload?file=" + mine, trellisHeader: true)).StatusCode);

        // The page itself answers with the sign-in form, 401.
        var page = await Send(http, HttpMethod.Get, root);
        Assert.Equal(HttpStatusCode.Unauthorized, page.StatusCode);
        Assert.Contains("<form method=\"post\" action=\"/login\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Even with the token, a tree file cannot be named over TCP.
        var named = await Send(http, HttpMethod.Post, root + "api/reload?file=" + mine, bearer: "Bearer " + token);
        Assert.Equal(HttpStatusCode.Forbidden, named.StatusCode);
        Assert.Contains("only over the control socket", await named.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A host name that reaches 127.0.0.1 only through DNS rebinding is refused, token or not.
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(http, HttpMethod.Get, root + "api/tree", bearer: "Bearer " + token, host: "attacker.example:" + new Uri(root).Port)).StatusCode);

        // Untouched: same program, same pid, no node from mine.yaml, the daemon's file unchanged.
        Assert.Equal(pid, await d.OsPidAsync("a"));
        Assert.True(Os.Alive(pid));
        Assert.Equal(404, (await d.Client.GetAsync("api/nodes/evil")).Status);
        var (_, tree) = await d.Client.GetAsync("api/tree");
        Assert.Equal(Path.Combine(d.Dir, "tree.yaml"), tree.GetProperty("file").GetString());

        // Refusals are logged; the token never is, nor kept where others could read it.
        Assert.Contains("refused: 127.0.0.1:", d.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(token, d.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(token, File.ReadAllText(Path.Combine(d.StateDir, ".daemon", "__stdout")), StringComparison.Ordinal);
        Assert.Equal((UnixFileMode)0x180 /* 0600 */, OtherUser.Mode(Path.Combine(d.StateDir, "dashboard.token")));
        Assert.Equal((UnixFileMode)0x1C0 /* 0700 */, OtherUser.Mode(d.StateDir));
    }

    [Fact]
    public async Task The_token_signs_in_with_a_strict_cookie_and_changes_with_it_need_the_trellis_header_and_are_audited()
    {
        await using var d = await DaemonProcess.StartAsync(Tree);
        var token = File.ReadAllText(Path.Combine(d.StateDir, "dashboard.token")).Trim();
        var root = File.ReadAllText(Path.Combine(d.StateDir, "dashboard.url")).Trim();
        var port = new Uri(root).Port;
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = DaemonProcess.Deadline };

        // A link with the token: a cookie, and off to the address without it.
        var signIn = await Send(http, HttpMethod.Get, root + "?token=" + token);
        Assert.Equal(HttpStatusCode.SeeOther, signIn.StatusCode);
        Assert.Equal("/", signIn.Headers.Location?.OriginalString);
        var setCookie = Assert.Single(signIn.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith($"trellis_{port}=", setCookie, StringComparison.Ordinal);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(token, setCookie, StringComparison.Ordinal);
        var cookie = setCookie.Split(';')[0];

        // The sign-in form: a wrong token is refused, the right one gives the same cookie.
        var wrong = await http.PostAsync(root + "login", new FormUrlEncodedContent([new("token", "not-the-token-at-all")]));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        var form = await http.PostAsync(root + "login", new FormUrlEncodedContent([new("token", token)]));
        Assert.Equal(HttpStatusCode.SeeOther, form.StatusCode);
        Assert.Equal(cookie, Assert.Single(form.Headers.GetValues("Set-Cookie")).Split(';')[0]);

        // With the cookie: reads work; a change without X-Trellis (a form post from another page) is refused.
        Assert.Equal(HttpStatusCode.OK, (await Send(http, HttpMethod.Get, root + "api/tree", cookie: cookie)).StatusCode);
        var pid = await d.OsPidAsync("a");
        var forged = await Send(http, HttpMethod.Post, root + "api/nodes/a/kill", cookie: cookie);
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.Contains("X-Trellis", await forged.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(pid, await d.OsPidAsync("a"));

        var restart = await Send(http, HttpMethod.Post, root + "api/nodes/a/restart", cookie: cookie, trellisHeader: true);
        Assert.Equal(HttpStatusCode.OK, restart.StatusCode);
        Assert.NotEqual(pid, await d.OsPidAsync("a"));

        // A script with the bearer token needs nothing else.
        Assert.Equal(HttpStatusCode.OK, (await Send(http, HttpMethod.Post, root + "api/nodes/a/stop", bearer: "Bearer " + token)).StatusCode);

        // One audit line per change: who, what, the result.
        await d.WaitForAsync(() => Task.FromResult(d.Output.Contains("audit: 127.0.0.1:", StringComparison.Ordinal) && d.Output.Contains("(token) stop a: done", StringComparison.Ordinal)), "the audit lines");
        Assert.Matches(@"audit: 127\.0\.0\.1:[0-9]+ \(session\) restart a: done", d.Output);
        Assert.Matches(@"audit: 127\.0\.0\.1:[0-9]+ \(token\) stop a: done \(a stopped\)", d.Output);
        Assert.DoesNotMatch("audit: .* kill a", d.Output);
        Assert.Matches(@"refused: 127\.0\.0\.1:[0-9]+ POST /api/nodes/a/kill: requests that change something need the X-Trellis header", d.Output);
    }

    [Fact]
    public async Task Oversized_and_malformed_requests_are_refused_with_a_status_and_a_reason()
    {
        await using var d = await DaemonProcess.StartAsync(Tree);
        var token = File.ReadAllText(Path.Combine(d.StateDir, "dashboard.token")).Trim();
        var root = File.ReadAllText(Path.Combine(d.StateDir, "dashboard.url")).Trim();
        using var http = new HttpClient { Timeout = DaemonProcess.Deadline };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

        using var body = new ByteArrayContent(new byte[100 * 1024]);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await http.PostAsync(root + "api/reload", body)).StatusCode);
        Assert.Equal(HttpStatusCode.RequestUriTooLong, (await http.GetAsync(root + "api/nodes/" + new string('a', 10_000))).StatusCode);
        var lines = await http.GetAsync(root + "api/nodes/a/logs?lines=many");
        Assert.Equal(HttpStatusCode.BadRequest, lines.StatusCode);
        Assert.Contains("lines must be a whole number", await lines.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync(root + "api/logs?lines=99999")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync(root + "api/logs?since=yesterday")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync(root + "api/nodes/a/signal/NOPE", null)).StatusCode);

        // The daemon is still there, and so is its service.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(root + "api/tree")).StatusCode);
        Assert.True(Os.Alive(await d.OsPidAsync("a")));
    }

    private static async Task<HttpResponseMessage> Send(
        HttpClient http, HttpMethod method, string url, string? bearer = null, string? host = null, bool trellisHeader = false, string? cookie = null)
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

        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        return await http.SendAsync(request);
    }
}
