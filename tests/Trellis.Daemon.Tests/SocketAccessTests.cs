namespace Trellis.Daemon.Tests;

/// <summary>
/// The control socket and the state directory, tried as another local user (uid 65534 through setpriv): the socket
/// refuses them (by its mode, and by their credentials when the mode is opened by mistake), they can read neither the
/// token nor a log, and an admins group's members may drive the daemon and read its logs but never the token.
/// </summary>
public sealed class SocketAccessTests
{
    private const string Tree = """
        name: guarded
        children:
          - service: a
            command: [sh, -c, 'echo "secret-in-the-log $$"; exec sleep 1000']
        """;

    [Fact]
    public async Task Another_user_can_neither_drive_the_daemon_nor_read_its_secrets()
    {
        await using var d = await DaemonProcess.StartAsync(Tree);
        OtherUser.Traverse(d.Dir);
        var pid = await d.OsPidAsync("a");
        var trellis = OtherUser.Trellis;

        // The socket is 0600 in a 0700 directory: the kernel refuses the connection.
        Assert.Equal((UnixFileMode)0x180, OtherUser.Mode(d.Socket));
        Assert.Equal((UnixFileMode)0x1C0, OtherUser.Mode(Path.GetDirectoryName(d.Socket)!));
        var (code, _, err) = await OtherUser.RunAsync(trellis, "kill", "a", "--socket", d.Socket);
        Assert.Equal(7, code);
        Assert.Contains("permission denied", err, StringComparison.Ordinal);

        // Opened by mistake, the socket still refuses them by their credentials.
        OtherUser.Traverse(Path.GetDirectoryName(d.Socket)!);
        File.SetUnixFileMode(d.Socket, (UnixFileMode)0x1B6 /* 0666 */);
        (code, _, err) = await OtherUser.RunAsync(trellis, "kill", "a", "--socket", d.Socket);
        Assert.Equal(7, code);
        Assert.Contains($"uid {OtherUser.Uid} may not use this daemon", err, StringComparison.Ordinal);
        (code, _, err) = await OtherUser.RunAsync(trellis, "status", "--socket", d.Socket);
        Assert.Equal(7, code);
        (code, _, _) = await OtherUser.RunAsync(trellis, "logs", "a", "--socket", d.Socket);
        Assert.Equal(7, code);
        var mine = Path.Combine(d.Dir, "mine.yaml");
        File.WriteAllText(mine, "name: guarded\nchildren:\n  - service: evil\n    command: [sleep, \"1000\"]\n");
        (code, _, _) = await OtherUser.RunAsync(trellis, "reload", mine, "--socket", d.Socket);
        Assert.Equal(7, code);
        (code, _, _) = await OtherUser.RunAsync(trellis, "dashboard", "--socket", d.Socket);
        Assert.Equal(7, code);

        // The tree is untouched, and the refusals are in the daemon's log with the caller's uid.
        Assert.Equal(pid, await d.OsPidAsync("a"));
        Assert.Equal(404, (await d.Client.GetAsync("api/nodes/evil")).Status);
        Assert.Contains($"refused: uid {OtherUser.Uid} pid ", d.Output, StringComparison.Ordinal);

        // Nothing secret is readable: not through the 0700 state directory, and not by each file's own mode.
        var token = Path.Combine(d.StateDir, "dashboard.token");
        var log = Path.Combine(d.StateDir, "a", "__stdout");
        foreach (var file in new[] { token, log, Path.Combine(d.StateDir, ".daemon", "__stdout") })
        {
            (code, _, _) = await OtherUser.RunAsync("cat", file);
            Assert.NotEqual(0, code);
        }

        Assert.Equal((UnixFileMode)0x180 /* 0600 */, OtherUser.Mode(token));
        Assert.Equal((UnixFileMode)0x1A0 /* 0640 */, OtherUser.Mode(log));
        Assert.Equal((UnixFileMode)0x1A0, OtherUser.Mode(Path.Combine(d.StateDir, ".daemon", "__stdout")));
        OtherUser.Traverse(d.StateDir);
        (code, _, _) = await OtherUser.RunAsync("cat", token);
        Assert.NotEqual(0, code);
        (code, _, _) = await OtherUser.RunAsync("cat", log);
        Assert.NotEqual(0, code);
    }

    [Fact]
    public async Task Another_user_on_the_tcp_port_gets_401_for_every_attempt_and_changes_nothing()
    {
        await using var d = await DaemonProcess.StartAsync(Tree);
        var root = File.ReadAllText(Path.Combine(d.StateDir, "dashboard.url")).Trim();
        var pid = await d.OsPidAsync("a");
        var mine = Path.Combine(d.Dir, "mine.yaml");
        File.WriteAllText(mine, "name: guarded\nchildren:\n  - service: evil\n    command: [sleep, \"1000\"]\n");

        async Task<string> Curl(params string[] args)
        {
            var (code, output, err) = await OtherUser.RunAsync(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", .. args]);
            Assert.True(code == 0, err);
            return output;
        }

        Assert.Equal("401", await Curl(root + "api/tree"));
        Assert.Equal("401", await Curl(root + "api/nodes/a/logs"));
        Assert.Equal("401", await Curl("-H", "Authorization: Bearer not-the-token-0123", root + "api/tree"));
        Assert.Equal("401", await Curl("-X", "POST", "-H", "X-Trellis: 1", root + "api/nodes/a/kill"));
        Assert.Equal("401", await Curl("-X", "POST", "-H", "X-Trellis: 1", root + "api/reload?file=" + mine));
        Assert.Equal("401", await Curl("-X", "POST", "-H", "X-Trellis: 1", root + "api/reload?file=/etc/shadow"));
        Assert.Equal("401", await Curl("-X", "POST", "-H", "X-Trellis: 1", root + "api/nodes/a/signal/KILL?token=guess-0123456789"));

        Assert.Equal(pid, await d.OsPidAsync("a"));
        Assert.Equal(404, (await d.Client.GetAsync("api/nodes/evil")).Status);
        Assert.Equal(Path.Combine(d.Dir, "tree.yaml"), (await d.Client.GetAsync("api/tree")).Body.GetProperty("file").GetString());
    }

    [Fact]
    public async Task Members_of_the_admins_group_drive_the_daemon_and_read_logs_but_not_the_token()
    {
        const uint Admins = 4242;
        await using var d = await DaemonProcess.StartAsync($"admins: {Admins}\n" + Tree);
        OtherUser.Traverse(d.Dir);
        var trellis = OtherUser.Trellis;
        Assert.Equal((UnixFileMode)0x1B0 /* 0660 */, OtherUser.Mode(d.Socket));
        Assert.Equal((UnixFileMode)0x5E8 /* 2750 */, OtherUser.Mode(d.StateDir));

        var (code, output, err) = await OtherUser.RunAsync([Admins], trellis, "status", "a", "--socket", d.Socket);
        Assert.True(code == 0, err);
        Assert.Contains("running", output, StringComparison.Ordinal);
        var pid = await d.OsPidAsync("a");
        (code, _, err) = await OtherUser.RunAsync([Admins], trellis, "restart", "a", "--socket", d.Socket);
        Assert.True(code == 0, err);
        Assert.NotEqual(pid, await d.OsPidAsync("a"));
        Assert.Matches($"audit: uid {OtherUser.Uid} pid [0-9]+ \\(socket\\) restart a: done", d.Output);

        // The group reads status and logs, never the token.
        (code, output, _) = await OtherUser.RunAsync([Admins], "cat", Path.Combine(d.StateDir, "a", "__stdout"));
        Assert.Equal(0, code);
        Assert.Contains("secret-in-the-log", output, StringComparison.Ordinal);
        (code, _, _) = await OtherUser.RunAsync([Admins], "cat", Path.Combine(d.StateDir, "dashboard.token"));
        Assert.NotEqual(0, code);

        // Outside the group: refused.
        (code, _, _) = await OtherUser.RunAsync(trellis, "status", "--socket", d.Socket);
        Assert.Equal(7, code);
    }
}
