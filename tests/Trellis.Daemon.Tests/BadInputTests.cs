using System.Text.RegularExpressions;
using Trellis.Daemon.Config;

namespace Trellis.Daemon.Tests;

/// <summary>
/// Hostile and broken input: every refusal is a sentence that points at the offending place, nothing crashes the
/// running daemon, a broken reload leaves the running tree as it was, and a failed start leaves nothing behind.
/// </summary>
public sealed partial class BadInputTests
{
    [Fact]
    public void A_file_nested_100000_deep_is_refused_at_once_with_its_position()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var (config, errors) = TreeFileParser.Parse("/t/tree.yaml", new string('[', 100_000));
        Assert.Null(config);
        var e = Assert.Single(errors);
        Assert.Contains($"more than {TreeFileParser.MaxDepth} deep", e.Message, StringComparison.Ordinal);
        Assert.Equal((1, TreeFileParser.MaxDepth + 1), (e.Line, e.Column));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"took {started.Elapsed}");
    }

    [Fact]
    public void A_tree_of_more_than_10000_nodes_is_refused_once_at_the_first_node_too_many()
    {
        var yaml = "children:\n" + string.Concat(Enumerable.Range(0, TreeFileParser.MaxTreeNodes + 50).Select(i => $"  - service: s{i}\n    command: [x]\n"));
        var (config, errors) = TreeFileParser.Parse("/t/tree.yaml", yaml);
        Assert.Null(config);
        var e = Assert.Single(errors);
        Assert.Equal((2 + (2 * TreeFileParser.MaxTreeNodes), 14), (e.Line, e.Column));
        Assert.Contains("more than 10000 nodes", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("name: t\nchildren:\n  - service: a\n    command: [x]\n\trestart: permanent\n", 5, 1, "a tab in the indentation")]
    [InlineData("children:\n  - service: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n    command: [x]\n", 2, 14, "has 77 characters; at most 64")]
    public void Errors_point_at_the_offending_character(string yaml, int line, int column, string message)
    {
        var (_, errors) = TreeFileParser.Parse("/t/tree.yaml", yaml);
        Assert.Contains(errors, e => (e.Line, e.Column) == (line, column) && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Check_refuses_programs_that_cannot_run_and_files_too_large_and_never_prints_resource_keys()
    {
        var dir = Directory.CreateTempSubdirectory("trellis-bad-").FullName;
        try
        {
            var file = Path.Combine(dir, "tree.yaml");
            File.WriteAllText(file, "children:\n  - service: a\n    command: [no-such-program-0e7f]\n  - service: b\n    command: [/nonexistent/bin/b]\n  - service: c\n    command: [/etc/passwd]\n");
            var (code, _, err) = await DaemonProcess.RunTrellisAsync("check", file);
            Assert.Equal(5, code);
            Assert.Contains("tree.yaml:2:14: service 'a': its command cannot run: 'no-such-program-0e7f' is not found in PATH", err, StringComparison.Ordinal);
            Assert.Contains("'/nonexistent/bin/b' does not exist", err, StringComparison.Ordinal);
            Assert.Contains("'/etc/passwd' is not executable", err, StringComparison.Ordinal);

            File.WriteAllText(file, "# " + new string('x', TreeFileParser.MaxFileBytes) + "\nchildren: []\n");
            (code, _, err) = await DaemonProcess.RunTrellisAsync("check", file);
            Assert.Equal(5, code);
            Assert.Contains("at most 1048576 are read", err, StringComparison.Ordinal);

            // A state directory behind a symbolic link loop: a sentence and exit 5, no exception, no resource key.
            File.CreateSymbolicLink(Path.Combine(dir, "l1"), Path.Combine(dir, "l2"));
            File.CreateSymbolicLink(Path.Combine(dir, "l2"), Path.Combine(dir, "l1"));
            File.WriteAllText(file, "state_dir: l1/state\ndashboard: off\nchildren:\n  - service: a\n    command: [sleep, '1000']\n");
            (code, _, err) = await DaemonProcess.RunTrellisAsync("up", file, "--socket", Path.Combine(dir, "s", "t.sock"));
            Assert.Equal(5, code);
            Assert.Contains("cannot prepare the state directory", err, StringComparison.Ordinal);
            Assert.Contains("symbolic links", err, StringComparison.Ordinal);
            Assert.DoesNotMatch(ResourceKey(), err);
            (code, _, err) = await DaemonProcess.RunTrellisAsync("check", Path.Combine(dir, "missing.yaml"));
            Assert.Equal(5, code);
            Assert.DoesNotMatch(ResourceKey(), err);
            Assert.Contains("missing.yaml", err, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_broken_reload_by_cli_or_sighup_leaves_the_running_tree_and_the_daemon_as_they_were()
    {
        await using var d = await DaemonProcess.StartAsync("""
            name: steady
            children:
              - service: a
                command: [sleep, "1000"]
            """);
        var pid = await d.OsPidAsync("a");
        var tree = Path.Combine(d.Dir, "tree.yaml");
        var good = File.ReadAllText(tree);
        File.WriteAllText(tree, new string('[', 100_000));
        var (code, _, err) = await d.CtlAsync("reload");
        Assert.Equal(5, code);
        Assert.Contains("nothing was changed", err, StringComparison.Ordinal);

        File.WriteAllText(tree, good.Replace("sleep", "no-such-program-0e7f", StringComparison.Ordinal));
        (code, _, err) = await d.CtlAsync("reload");
        Assert.Equal(5, code);
        Assert.Contains("not found in PATH", err, StringComparison.Ordinal);

        File.WriteAllText(tree, new string('[', 100_000));
        Assert.Equal(0, OsProcess.Native.Libc.kill(d.Pid, OsProcess.Signals.Hup));
        await d.WaitForAsync(() => Task.FromResult(d.Output.Contains("SIGHUP: reloading", StringComparison.Ordinal)), "the SIGHUP reload's line");
        Assert.Equal(pid, await d.OsPidAsync("a"));
        Assert.True(Os.Alive(pid));
        Assert.False(d.Exited.IsCompleted);
    }

    [Fact]
    public async Task A_start_that_fails_removes_the_state_directory_it_made()
    {
        await using var d = DaemonProcess.Launch($$"""
            name: broken
            children:
              - service: a
                command: [sleep, "1000"]
              - dotnet: w
                assembly: {{Path.ChangeExtension(DaemonProcess.DemoServices, ".dll")}}
                type: No.Such.Type
            """);
        Assert.Equal(1, await d.Exited.WaitAsync(DaemonProcess.Deadline));
        Assert.Contains("has no type No.Such.Type", d.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(d.StateDir), "the failed start left its state directory");
    }

    [Fact]
    public async Task The_root_does_not_give_up_on_a_few_quick_kills_and_says_who_exhausted_it_when_it_does()
    {
        await using (var d = await DaemonProcess.StartAsync("""
            name: patient
            children:
              - service: a
                command: [sleep, "1000"]
            """))
        {
            for (var i = 0; i < 6; i++)
            {
                var pid = await d.OsPidAsync("a");
                var (code, _, err) = await d.CtlAsync("kill", "a");
                Assert.True(code == 0, $"kill {i}: exit {code}: {err}\n{d.Output}");
                await d.WaitForAsync(async () => await d.OsPidAsync("a") is var p && p != 0 && p != pid, "the restart");
            }

            Assert.False(d.Exited.IsCompleted, "six kills in a few seconds ended the daemon");
        }

        await using var strict = DaemonProcess.Launch("""
            name: strict
            intensity: 1
            period: 60s
            children:
              - service: crashing
                command: [sh, -c, 'exit 3']
            """);
        var exit = await strict.Exited.WaitAsync(DaemonProcess.Deadline);
        Assert.True(exit == 1, $"exit {exit}:\n{strict.Output}");
        Assert.Contains("warn: trellis[14] crashing: crashed exited with status 3", strict.Output, StringComparison.Ordinal);
        Assert.Matches(@"fail: trellis\[7\] the root supervisor ended \(.*its intensity is 1 restarts in 60s\); the last crash: crashing \(exited with status 3\)", strict.Output);
    }

    // A .NET resource key, as printed when the runtime's messages are left out: IO_FileNotFound_FileName.
    [GeneratedRegex("\\b[A-Z][A-Za-z]+_[A-Z][A-Za-z]+(_[A-Z][A-Za-z]+)*\\b")]
    private static partial Regex ResourceKey();
}
