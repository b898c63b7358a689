using Trellis.Daemon.Access;

namespace Trellis.Daemon.Tests;

/// <summary>The access rules as pure functions: the TCP port's decisions, the socket's policy, the token, the rate gate.</summary>
public sealed class AccessRulesTests
{
    private static readonly DashboardToken Token = MakeToken("the-token-0123456789");

    private static TcpDecision Decide(
        string method = "GET", string path = "/api/tree", string host = "127.0.0.1", string? bearer = null, string? query = null, string? cookie = null, bool header = false, bool loopback = true) =>
        TcpAccess.Decide(new TcpRequest(method, path, host, bearer, query, cookie, header), Token, loopback);

    [Fact]
    public void Tcp_needs_the_token_as_bearer_query_or_session_cookie()
    {
        Assert.Equal(TcpVerdict.Deny, Decide().Verdict);
        Assert.Equal(401, Decide().Status);
        Assert.Equal(TcpVerdict.SignInForm, Decide(path: "/").Verdict);
        Assert.Equal(401, Decide(bearer: "wrong").Status);
        Assert.Equal(401, Decide(query: "the-token-012345678").Status);
        Assert.Equal(401, Decide(cookie: Token.Value).Status);
        Assert.Equal(401, Decide(method: "POST", header: true).Status);

        Assert.Equal(new TcpDecision(TcpVerdict.Allow, By: "token"), Decide(bearer: Token.Value));
        Assert.Equal(new TcpDecision(TcpVerdict.Allow, By: "token"), Decide(method: "POST", query: Token.Value));
        Assert.Equal(TcpVerdict.SignIn, Decide(path: "/", query: Token.Value).Verdict);
        Assert.Equal(new TcpDecision(TcpVerdict.Allow, By: "session"), Decide(cookie: Token.SessionValue));
    }

    [Fact]
    public void A_change_made_with_the_cookie_needs_the_trellis_header()
    {
        var forged = Decide(method: "POST", path: "/api/nodes/a/kill", cookie: Token.SessionValue);
        Assert.Equal(TcpVerdict.Deny, forged.Verdict);
        Assert.Equal(403, forged.Status);
        Assert.Equal(TcpVerdict.Allow, Decide(method: "POST", path: "/api/nodes/a/kill", cookie: Token.SessionValue, header: true).Verdict);
        Assert.Equal(TcpVerdict.Allow, Decide(method: "POST", path: "/api/nodes/a/kill", bearer: Token.Value).Verdict);
    }

    [Fact]
    public void A_loopback_bind_answers_only_loopback_hosts_and_the_sign_in_post_checks_its_own_form()
    {
        Assert.Equal(403, Decide(host: "attacker.example", bearer: Token.Value).Status);
        Assert.Equal(TcpVerdict.Allow, Decide(host: "localhost", bearer: Token.Value).Verdict);
        Assert.Equal(TcpVerdict.Allow, Decide(host: "[::1]", bearer: Token.Value).Verdict);
        Assert.Equal(TcpVerdict.Allow, Decide(host: "box.example", bearer: Token.Value, loopback: false).Verdict);
        Assert.Equal(new TcpDecision(TcpVerdict.Allow, By: "sign-in"), Decide(method: "POST", path: "/login"));
    }

    [Fact]
    public void The_socket_lets_in_root_the_owner_and_the_admins_group_only()
    {
        var policy = new SocketPolicy(OwnerUid: 1000, AdminGid: 4242, AdminGroup: "trellis");
        Assert.Null(policy.Refusal(new PeerCredentials(1, 0, 0, [])));
        Assert.Null(policy.Refusal(new PeerCredentials(1, 1000, 1000, [])));
        Assert.Null(policy.Refusal(new PeerCredentials(1, 2000, 4242, [])));
        Assert.Null(policy.Refusal(new PeerCredentials(1, 2000, 2000, [27, 4242])));
        var refusal = policy.Refusal(new PeerCredentials(1, 65534, 65534, [100]));
        Assert.Equal("uid 65534 may not use this daemon: it answers root, its owner (uid 1000) and the group 'trellis' (gid 4242)", refusal);
        Assert.Contains("no group is let in", new SocketPolicy(1000, null, null).Refusal(new PeerCredentials(1, 2000, 4242, [4242])), StringComparison.Ordinal);
        Assert.Contains("could not tell who", policy.Refusal(null), StringComparison.Ordinal);
    }

    [Fact]
    public void The_token_is_made_once_kept_0600_and_a_configured_one_wins()
    {
        var dir = Directory.CreateTempSubdirectory("trellis-token-").FullName;
        try
        {
            var first = DashboardToken.LoadOrCreate(dir, null, out var error)!;
            Assert.Null(error);
            Assert.Equal(43, first.Value.Length);
            var again = DashboardToken.LoadOrCreate(dir, null, out _)!;
            Assert.Equal(first.Value, again.Value);
            Assert.Equal(first.SessionValue, again.SessionValue);
            var path = Path.Combine(dir, DashboardToken.FileName);
            Assert.Equal((UnixFileMode)0x180, OtherUser.Mode(path));
            Assert.Equal((UnixFileMode)0x180, OtherUser.Mode(Path.Combine(dir, DashboardToken.SessionFileName)));

            // A file someone opened up is closed again when the daemon writes it back.
            File.SetUnixFileMode(path, (UnixFileMode)0x1A4 /* 0644 */);
            var mine = DashboardToken.LoadOrCreate(dir, "a-token-of-my-own-choosing", out _)!;
            Assert.Equal("a-token-of-my-own-choosing", mine.Value);

            // A new token ends every session signed in with the old one.
            Assert.NotEqual(first.SessionValue, mine.SessionValue);
            Assert.False(mine.MatchesSession(first.SessionValue));
            Assert.Equal((UnixFileMode)0x180, OtherUser.Mode(path));
            Assert.Equal("a-token-of-my-own-choosing", File.ReadAllText(path).Trim());
            Assert.NotEqual(first.Value, DashboardToken.Generate());
            Assert.NotEqual(first.Value, first.SessionValue);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void The_refusal_log_passes_a_burst_per_window_and_counts_the_rest()
    {
        var time = new Trellis.Testing.TestClock();
        var gate = new RateGate(time, burst: 2, window: TimeSpan.FromMinutes(1));
        Assert.True(gate.TryPass(out var held));
        Assert.Equal(0, held);
        Assert.True(gate.TryPass(out _));
        Assert.False(gate.TryPass(out _));
        Assert.False(gate.TryPass(out _));
        time.Advance(TimeSpan.FromSeconds(59));
        Assert.False(gate.TryPass(out _));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(gate.TryPass(out held));
        Assert.Equal(3, held);
    }

    private static DashboardToken MakeToken(string value)
    {
        var dir = Directory.CreateTempSubdirectory("trellis-token-").FullName;
        try
        {
            return DashboardToken.LoadOrCreate(dir, value, out _)!;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
