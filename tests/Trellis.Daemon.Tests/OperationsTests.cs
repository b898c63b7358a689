using System.Globalization;

namespace Trellis.Daemon.Tests;

/// <summary>Reload, the control socket, logs, the status directories, and in-process workers.</summary>
public sealed class OperationsTests
{
    private static readonly string[] Chatty = ["chatty", "noisy"];

    [Fact]
    public async Task Reload_applies_the_difference_and_untouched_services_keep_their_pid()
    {
        await using var d = await DaemonProcess.StartAsync("""
            name: reload
            children:
              - service: keep
                command: [sleep, "1000"]
              - service: change
                command: [sleep, "1000"]
              - service: remove
                command: [sleep, "1000"]
              - supervisor: group
                children:
                  - service: inner
                    command: [sleep, "1000"]
            """);
        var keep = await d.OsPidAsync("keep");
        var change = await d.OsPidAsync("change");
        var remove = await d.OsPidAsync("remove");
        var inner = await d.OsPidAsync("inner");

        File.WriteAllText(Path.Combine(d.Dir, "tree.yaml"), """
            name: reload
            children:
              - service: keep
                command: [sleep, "1000"]
              - service: change
                command: [sleep, "2000"]
              - service: added
                command: [sleep, "1000"]
              - supervisor: group
                children:
                  - service: inner
                    command: [sleep, "1000"]
                  - service: inner2
                    command: [sleep, "1000"]
            """);
        var (code, output, err) = await d.CtlAsync("reload");
        Assert.True(code == 0, err);
        Assert.Contains("2 added, 1 changed, 1 removed", output, StringComparison.Ordinal);

        Assert.Equal(keep, await d.OsPidAsync("keep"));
        Assert.Equal(inner, await d.OsPidAsync("inner"));
        var changed = await d.OsPidAsync("change");
        Assert.NotEqual(change, changed);
        Assert.True(Os.Alive(changed));
        Assert.Contains("2000", (await d.NodeAsync("change")).GetProperty("command").GetString(), StringComparison.Ordinal);
        Assert.True(Os.Alive(await d.OsPidAsync("added")));
        Assert.True(Os.Alive(await d.OsPidAsync("inner2")));
        Assert.False(Os.Alive(remove));
        var (status, _) = await d.Client.GetAsync("api/nodes/remove");
        Assert.Equal(404, status);
        Assert.False(Directory.Exists(Path.Combine(d.StateDir, "remove", "supervise")) && File.Exists(Path.Combine(d.StateDir, "remove", "lock")) && IsLocked(Path.Combine(d.StateDir, "remove", "lock")));

        // A broken file changes nothing and says where it is broken.
        File.WriteAllText(Path.Combine(d.Dir, "tree.yaml"), "name: reload\nchildren:\n  - service: keep\n    comand: [sleep]\n");
        (code, _, err) = await d.CtlAsync("reload");
        Assert.Equal(5, code);
        Assert.Contains("tree.yaml:4:5: unknown key 'comand'", err, StringComparison.Ordinal);
        Assert.Equal(keep, await d.OsPidAsync("keep"));
    }

    [Fact]
    public async Task The_control_socket_is_owner_only_and_a_stopped_daemon_gives_a_clear_error()
    {
        var d = await DaemonProcess.StartAsync("""
            name: sock
            children:
              - service: s
                command: [sleep, "1000"]
            """);
        await using (d)
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(d.Socket));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(d.Socket)!));

            // A second daemon on the same socket is refused.
            var (code, _, err) = await DaemonProcess.RunTrellisAsync("up", Path.Combine(d.Dir, "tree.yaml"), "--socket", d.Socket, "--port", "0");
            Assert.Equal(6, code);
            Assert.Contains("another trellis daemon", err, StringComparison.Ordinal);
            Assert.Equal(0, await d.StopAsync());

            (code, _, err) = await d.CtlAsync("status");
            Assert.Equal(3, code);
            Assert.Contains($"no trellis daemon is listening on {d.Socket}", err, StringComparison.Ordinal);
            Assert.Contains("trellis up FILE", err, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Logs_rotate_by_size_and_all_logs_stay_under_the_total_cap()
    {
        await using var d = await DaemonProcess.StartAsync("""
            name: logs
            logs: {max_size: 4KB, max_files: 3, max_total: 24KB}
            children:
              - service: chatty
                command: [sh, -c, 'i=0; while [ $i -lt 2000 ]; do echo "chatty line $i 0123456789012345678901234567890123456789"; i=$((i+1)); done; echo done; exec sleep 1000']
              - service: noisy
                command: [sh, -c, 'i=0; while [ $i -lt 2000 ]; do echo "noisy line $i 0123456789012345678901234567890123456789" >&2; i=$((i+1)); done; echo done; exec sleep 1000']
            """);
        async Task<bool> Done(string name)
        {
            var (_, body) = await d.Client.GetAsync($"api/nodes/{name}/logs?lines=5");
            return body.EnumerateArray().Any(l => l.GetProperty("text").GetString() == "done");
        }

        await d.WaitForAsync(async () => await Done("chatty") && await Done("noisy"), "both services wrote everything");
        // Each status directory holds a `supervise` link to itself, so the walk is one level, not recursive.
        var files = Chatty.SelectMany(s => Directory.GetFiles(Path.Combine(d.StateDir, s), "__std*")).Select(f => new FileInfo(f)).ToList();
        Assert.All(files, f => Assert.True(f.Length <= 4096, $"{f.FullName} is {f.Length} bytes"));
        Assert.True(files.Sum(f => f.Length) <= 24 * 1024, $"{files.Sum(f => f.Length)} bytes of logs");
        foreach (var dir in Chatty)
        {
            var rotated = Directory.GetFiles(Path.Combine(d.StateDir, dir), "__std*.@*");
            Assert.InRange(rotated.Length, 1, 3);
        }

        var (code, output, _) = await d.CtlAsync("logs", "chatty", "-n", "3");
        Assert.Equal(0, code);
        Assert.Contains("chatty line 1999", output, StringComparison.Ordinal);
        Assert.EndsWith("done", File.ReadAllText(Path.Combine(d.StateDir, "chatty", "__stdout")).Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_service_has_a_status_directory_the_daemontools_clients_drive()
    {
        await using var d = await DaemonProcess.StartAsync("""
            name: dt
            children:
              - service: svc1
                command: [sleep, "1000"]
            """);
        var dir = Path.Combine(d.StateDir, "svc1");
        var pid = await d.OsPidAsync("svc1");
        Assert.Equal(pid.ToString(CultureInfo.InvariantCulture), (await Run("od", "-An", "-j16", "-N4", "-tu4", Path.Combine(dir, "status"))).Out.Trim());
        Assert.Equal(0, (await Run("svok", dir)).Code);

        Assert.Equal(0, (await Run("svc", "-d", dir)).Code);
        await d.WaitForAsync(async () => (await d.NodeAsync("svc1")).GetProperty("status").GetString() == "stopped", "svc -d stopped it");
        Assert.False(Os.Alive(pid));
        Assert.Equal("0", (await Run("od", "-An", "-j16", "-N4", "-tu4", Path.Combine(dir, "status"))).Out.Trim());
        Assert.Equal((byte)'d', File.ReadAllBytes(Path.Combine(dir, "status"))[13]);

        Assert.Equal(0, (await Run("svc", "-u", dir)).Code);
        await d.WaitForAsync(async () => await d.OsPidAsync("svc1") != 0, "svc -u started it");
        Assert.True(Os.Alive(await d.OsPidAsync("svc1")));
        Assert.Contains(d.Pid.ToString(CultureInfo.InvariantCulture), (await Run("fuser", Path.Combine(dir, "lock"))).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_process_workers_run_in_the_same_tree_and_show_their_mailbox()
    {
        var dll = DaemonProcess.DemoServices + ".dll";
        await using var d = await DaemonProcess.StartAsync($$"""
            name: mixed
            children:
              - service: prog
                command: [sleep, "1000"]
              - dotnet: ticker
                assembly: {{dll}}
                type: Trellis.Examples.DemoServices.Ticker
                argument: "20"
              - dotnet: heartbeat
                assembly: {{dll}}
                type: Trellis.Examples.DemoServices.Heartbeat
            """);
        await d.WaitForAsync(async () => (await d.NodeAsync("ticker")).TryGetProperty("handled", out var h) && h.GetInt64() > 3, "the ticker handled its ticks");
        var ticker = await d.NodeAsync("ticker");
        Assert.Equal("dotnet", ticker.GetProperty("kind").GetString());
        Assert.True(ticker.TryGetProperty("mailbox", out _));
        var pid = ticker.GetProperty("pid").GetString();

        Assert.Equal(0, (await d.CtlAsync("kill", "ticker")).Code);
        await d.WaitForAsync(async () => (await d.NodeAsync("ticker")).TryGetProperty("pid", out var p) && p.GetString() != pid, "the ticker restarted");
        Assert.Equal("killed", (await d.NodeAsync("ticker")).GetProperty("last_exit").GetString());
        Assert.Equal("running", (await d.NodeAsync("heartbeat")).GetProperty("status").GetString());
    }

    private static bool IsLocked(string path)
    {
        try
        {
            using var f = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private static async Task<(int Code, string Out)> Run(string program, params string[] args)
    {
        var info = new System.Diagnostics.ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var p = System.Diagnostics.Process.Start(info)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(DaemonProcess.Deadline);
        return (p.ExitCode, output);
    }
}
