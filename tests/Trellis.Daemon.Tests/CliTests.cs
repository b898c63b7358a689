using System.Diagnostics;

namespace Trellis.Daemon.Tests;

/// <summary>
/// The trellis CLI as operators type it: options anywhere and in every usual spelling, help on every command, the
/// version, systemctl's status codes, logs of every node kind, colour only in a terminal, and shell completion.
/// </summary>
public sealed class CliTests
{
    private static readonly string[] Commands = ["up", "check", "status", "tree", "start", "stop", "restart", "kill", "signal", "logs", "reload", "dashboard", "completion"];

    private static string Yaml => $$"""
        name: cli
        children:
          - service: flaky
            command: [sh, -c, 'for i in 1 2 3 4 5 6; do echo "line $i"; done; exec sleep 1000']
          - supervisor: group
            children:
              - service: web
                command: [sh, -c, 'echo "web says hi"; exec sleep 1000']
              - dotnet: ticker
                assembly: {{Path.ChangeExtension(DaemonProcess.DemoServices, ".dll")}}
                type: Trellis.Examples.DemoServices.Ticker
                argument: "500"
        """;

    [Fact]
    public async Task Every_command_has_help_and_the_cli_has_a_version()
    {
        foreach (var command in Commands)
        {
            var (code, output, err) = await DaemonProcess.RunTrellisAsync(command, "--help");
            Assert.True(code == 0, $"{command} --help: {err}");
            Assert.Contains("Description:", output, StringComparison.Ordinal);
            Assert.Contains($"trellis {command}", output, StringComparison.Ordinal);
        }

        var (c, version, _) = await DaemonProcess.RunTrellisAsync("--version");
        Assert.Equal(0, c);
        Assert.Matches(@"^[0-9]+\.[0-9]+\.[0-9]+", version);

        // Usage errors exit 2 and say what is wrong.
        (c, _, var e) = await DaemonProcess.RunTrellisAsync("frobnicate");
        Assert.Equal(2, c);
        Assert.Contains("frobnicate", e, StringComparison.Ordinal);
        (c, _, e) = await DaemonProcess.RunTrellisAsync("logs", "-n", "many");
        Assert.Equal(2, c);
        Assert.Contains("many", e, StringComparison.Ordinal);
        (c, _, _) = await DaemonProcess.RunTrellisAsync("completion", "fish");
        Assert.Equal(2, c);
        (c, _, _) = await DaemonProcess.RunTrellisAsync();
        Assert.Equal(2, c);
    }

    [Fact]
    public async Task Options_work_in_any_position_and_spelling_and_status_exits_as_systemctl_does()
    {
        await using var d = await DaemonProcess.StartAsync(Yaml);
        await d.WaitForAsync(async () => (await d.CtlAsync("logs", "flaky")).Out.Contains("line 6", StringComparison.Ordinal), "flaky's output");

        foreach (var args in new[]
        {
            new[] { "logs", "-n", "2", "flaky", "--socket", d.Socket },
            ["logs", "-n2", "flaky", "--socket", d.Socket],
            ["logs", "--lines=2", "flaky", $"--socket={d.Socket}"],
            ["logs", "flaky", "--lines", "2", "--socket", d.Socket],
            ["--socket", d.Socket, "logs", "flaky", "-n", "2"],
            ["ctl", "logs", "flaky", "-n", "2", "--socket", d.Socket],
        })
        {
            var (code, output, err) = await DaemonProcess.RunTrellisAsync(args);
            Assert.True(code == 0, string.Join(' ', args) + ": " + err);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, lines.Length);
            Assert.DoesNotContain("\u001b", output, StringComparison.Ordinal);
        }

        // status: 0 all running; 3 when one shown is not; 4 for an unknown name; a supervisor shows its subtree.
        Assert.Equal(0, (await d.CtlAsync("status")).Code);
        var (c, o, _) = await d.CtlAsync("status", "web");
        Assert.Equal(0, c);
        Assert.Single(o.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1));
        Assert.Equal(0, (await d.CtlAsync("stop", "web")).Code);
        Assert.Equal(3, (await d.CtlAsync("status", "web")).Code);
        (c, o, _) = await d.CtlAsync("status", "group");
        Assert.Equal(3, c);
        Assert.Contains("ticker", o, StringComparison.Ordinal);
        Assert.DoesNotContain("flaky", o, StringComparison.Ordinal);
        Assert.Equal(0, (await d.CtlAsync("status", "flaky", "ticker")).Code);
        Assert.Equal(3, (await d.CtlAsync("status")).Code);
        (c, _, var e) = await d.CtlAsync("status", "flaky", "nope");
        Assert.Equal(4, c);
        Assert.Contains("no node named 'nope'", e, StringComparison.Ordinal);
        Assert.Equal(0, (await d.CtlAsync("start", "web")).Code);
        Assert.Equal(0, (await d.CtlAsync("status", "web")).Code);

        // No daemon: nothing is running, 3.
        Assert.Equal(3, (await DaemonProcess.RunTrellisAsync("status", "--socket", Path.Combine(d.Dir, "none.sock"))).Code);
    }

    [Fact]
    public async Task Logs_show_a_worker_s_ILogger_a_supervisor_s_subtree_every_node_interleaved_and_filter_by_time()
    {
        await using var d = await DaemonProcess.StartAsync(Yaml);
        await d.WaitForAsync(async () => (await d.CtlAsync("logs", "ticker")).Out.Contains("ticking every 500 ms", StringComparison.Ordinal), "the ticker's own log line");
        var (_, ticker, _) = await d.CtlAsync("logs", "ticker");
        Assert.Matches(@"stdout +info: Trellis\.Examples\.DemoServices\.Ticker\[1\] ticking every 500 ms", ticker);

        var (_, group, _) = await d.CtlAsync("logs", "group");
        Assert.Contains("web | stdout  web says hi", group, StringComparison.Ordinal);
        Assert.Contains("ticker | stdout  info:", group, StringComparison.Ordinal);
        Assert.DoesNotContain("flaky", group, StringComparison.Ordinal);

        var (_, all, _) = await d.CtlAsync("logs", "-n", "1000");
        Assert.Contains("flaky | stdout  line 1", all, StringComparison.Ordinal);
        Assert.Contains("web | stdout  web says hi", all, StringComparison.Ordinal);
        var times = all.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[..12]).ToList();
        Assert.Equal(times.Order(StringComparer.Ordinal), times);

        Assert.Contains("line 6", (await d.CtlAsync("logs", "flaky", "--since", "10m")).Out, StringComparison.Ordinal);
        var future = DateTimeOffset.UtcNow.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        var (c, late, _) = await d.CtlAsync("logs", "flaky", "--since", future);
        Assert.Equal(0, c);
        Assert.Equal(string.Empty, late.Trim());
        Assert.Equal(2, (await d.CtlAsync("logs", "flaky", "--since", "yesterday")).Code);

        // The daemon's own log: its events and audit lines.
        Assert.Equal(0, (await d.CtlAsync("restart", "web")).Code);
        await d.WaitForAsync(async () => (await d.CtlAsync("logs", "--daemon")).Out.Contains("audit: uid 0", StringComparison.Ordinal), "the audit line in the daemon's log");
    }

    [Fact]
    public async Task Colour_only_in_a_terminal_and_never_with_NO_COLOR_or_json()
    {
        await using var d = await DaemonProcess.StartAsync(Yaml);
        var terminal = await InTerminalAsync($"{DaemonProcess.TrellisCommand} status --socket {d.Socket}", noColor: false);
        Assert.Contains("\u001b[32mrunning", terminal, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[32m", await InTerminalAsync($"{DaemonProcess.TrellisCommand} status --socket {d.Socket}", noColor: true), StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[32m", await InTerminalAsync($"{DaemonProcess.TrellisCommand} status --json --socket {d.Socket}", noColor: false), StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", (await d.CtlAsync("status")).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Completion_scripts_complete_commands_options_and_the_running_tree_s_names()
    {
        await using var d = await DaemonProcess.StartAsync(Yaml);
        var (code, bash, _) = await DaemonProcess.RunTrellisAsync("completion", "bash");
        Assert.Equal(0, code);
        Assert.Contains("complete -o default -F _trellis_complete trellis", bash, StringComparison.Ordinal);
        var script = Path.Combine(d.Dir, "trellis.bash");
        File.WriteAllText(script, bash);

        // Names come from the daemon within the completion's 2 s deadline; under the whole suite's load (a Debug
        // daemon, two test hosts) that can pass once, and the completion then offers nothing: ask up to three times.
        async Task<string[]> Complete(params string[] words)
        {
            for (var attempt = 1; ; attempt++)
            {
                var offered = await CompleteOnce(words);
                if (offered.Length > 0 || attempt == 3)
                {
                    return offered;
                }
            }
        }

        async Task<string[]> CompleteOnce(params string[] words)
        {
            var line = string.Join(' ', words);
            var program = $$"""
                source {{script}}
                COMP_WORDS=({{string.Join(' ', words.Select(w => w.Length == 0 ? "''" : w))}}); COMP_CWORD={{words.Length - 1}}
                COMP_LINE='{{line}}'; COMP_POINT={{line.Length}}
                _trellis_complete; printf '%s\n' "${COMPREPLY[@]}"
                """;
            var (c, output, err) = await Run("bash", ["-c", program], ("PATH", Path.GetDirectoryName(DaemonProcess.TrellisCommand) + ":" + Environment.GetEnvironmentVariable("PATH")), ("TRELLIS_SOCKET", d.Socket));
            Assert.True(c == 0, err);
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }

        // The command under its own name, as the script calls it.
        File.Copy(DaemonProcess.TrellisCommand, Path.Combine(Path.GetDirectoryName(DaemonProcess.TrellisCommand)!, "trellis"), overwrite: true);
        Assert.Equal(["start", "status", "stop"], (await Complete("trellis", "st")).Order(StringComparer.Ordinal));
        Assert.Equal(["flaky"], await Complete("trellis", "logs", "fl"));
        Assert.Contains("ticker", await Complete("trellis", "restart", ""));
        Assert.Contains("--lines", await Complete("trellis", "logs", "--li"));
        Assert.Contains("USR1", await Complete("trellis", "signal", "web", "US"));

        var (zc, zsh, _) = await DaemonProcess.RunTrellisAsync("completion", "zsh");
        Assert.Equal(0, zc);
        Assert.StartsWith("#compdef trellis", zsh, StringComparison.Ordinal);
        var zfile = Path.Combine(d.Dir, "_trellis");
        File.WriteAllText(zfile, zsh);
        Assert.Equal(0, (await Run("zsh", ["-n", zfile])).Code);

        // What the zsh function asks for, the way it asks.
        var (sc, names, _) = await Run(DaemonProcess.TrellisCommand, ["[suggest:16]", "trellis logs fla"], ("TRELLIS_SOCKET", d.Socket));
        for (var attempt = 1; attempt < 3 && names.Trim().Length == 0; attempt++)
        {
            (sc, names, _) = await Run(DaemonProcess.TrellisCommand, ["[suggest:16]", "trellis logs fla"], ("TRELLIS_SOCKET", d.Socket));
        }

        Assert.Equal(0, sc);
        Assert.Equal("flaky", names.Trim());
    }

    // `script` gives the command a terminal, as an operator's shell would.
    private static async Task<string> InTerminalAsync(string command, bool noColor)
    {
        var env = noColor ? new[] { ("NO_COLOR", "1"), ("TERM", "xterm") } : [("TERM", "xterm")];
        var (code, output, err) = await Run("script", ["-qec", command, "/dev/null"], env);
        Assert.True(code == 0, err + output);
        return output;
    }

    private static async Task<(int Code, string Out, string Err)> Run(string file, string[] args, params (string Name, string Value)[] env)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment.Remove("NO_COLOR");
        foreach (var (name, value) in env)
        {
            info.Environment[name] = value;
        }

        using var p = Process.Start(info)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(DaemonProcess.Deadline);
        return (p.ExitCode, await stdout, await stderr);
    }
}
