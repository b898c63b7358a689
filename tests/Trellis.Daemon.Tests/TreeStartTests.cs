namespace Trellis.Daemon.Tests;

/// <summary>Start order and readiness gating, against the real daemon.</summary>
public sealed class TreeStartTests
{
    [Fact]
    public async Task Siblings_start_in_file_order_each_after_the_previous_one_is_ready()
    {
        var port = Os.FreePort();
        await using var d = await DaemonProcess.StartAsync($$"""
            name: order
            children:
              - service: a
                command: [sh, -c, 'sleep 0.3; date +%s%N > $DIR/a.ready; echo >&3; exec sleep 1000']
                ready: {notify: fd, fd: 3, timeout: 10s}
              - service: b
                command: [sh, -c, 'date +%s%N > $DIR/b.start; exec sleep 1000']
              - service: c
                command: [sh, -c, 'exec sleep 1000']
                ready: {check: [test, -f, $DIR/b.start], timeout: 10s, interval: 50ms}
                env: {C: "1"}
              - service: d
                command: [{{DaemonProcess.DemoServices}}, http, --port, "{{port}}"]
                ready: {notify: systemd, timeout: 20s}
            """);

        var events = await d.EventsAsync();
        int Index(string node, string kind) => events.FindIndex(e => e.Node == node && e.Kind == kind);
        Assert.True(Index("a", "ready") >= 0, d.Output);
        Assert.True(Index("a", "ready") < Index("b", "started"), "b started before a was ready");
        Assert.True(Index("b", "started") < Index("c", "started"));
        Assert.True(Index("c", "ready") < Index("d", "started"), "d started before c's check passed");
        Assert.True(Index("d", "ready") > Index("d", "started"), "d never said READY=1");
        var aReady = long.Parse(File.ReadAllText(Path.Combine(d.Dir, "a.ready")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var bStart = long.Parse(File.ReadAllText(Path.Combine(d.Dir, "b.start")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(bStart >= aReady, "b's program ran before a wrote its readiness");
        Assert.Equal("running", (await d.NodeAsync("d")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_readiness_timeout_is_a_failed_start_and_nothing_after_it_starts()
    {
        await using var d = DaemonProcess.Launch("""
            name: slow
            intensity: 0
            children:
              - service: slow
                command: [sh, -c, 'echo $$ > $DIR/slow.pid; exec sleep 1000']
                ready: {notify: fd, timeout: 300ms}
              - service: never
                command: [sh, -c, 'touch $DIR/never; exec sleep 1000']
            """);
        var code = await d.Exited.WaitAsync(DaemonProcess.Deadline);
        Assert.Equal(1, code);
        Assert.Contains("slow was not ready within 300ms", d.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(d.Dir, "never")));
        var pid = int.Parse(File.ReadAllText(Path.Combine(d.Dir, "slow.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.False(Os.Alive(pid), "the program that was not ready is still running");
    }

    [Fact]
    public async Task Sigterm_stops_the_tree_in_reverse_order_and_leaves_nothing_running()
    {
        // Each program notes its SIGTERM in one file as it takes it, so the file holds the order the stops happened in.
        var d = await DaemonProcess.StartAsync("""
            name: rev
            children:
              - service: a
                command: [sh, -c, 'trap "echo a >> $DIR/order; exit 0" TERM; sleep 1000 & echo $! > $DIR/a.pid; wait']
              - supervisor: mid
                children:
                  - service: b
                    command: [sh, -c, 'trap "echo b >> $DIR/order; exit 0" TERM; sleep 1000 & echo $! > $DIR/b.pid; wait']
                  - service: c
                    command: [sh, -c, 'trap "echo c >> $DIR/order; exit 0" TERM; sleep 1000 & echo $! > $DIR/c.pid; wait']
            """);
        // Each writes its background child's pid once its trap is set: stopped before that, it would not note its TERM.
        var background = new List<int>();
        foreach (var service in new[] { "a", "b", "c" })
        {
            var file = Path.Combine(d.Dir, service + ".pid");
            await d.WaitForAsync(() => Task.FromResult(File.Exists(file) && File.ReadAllText(file).EndsWith('\n')), service + "'s background child");
            background.Add(int.Parse(File.ReadAllText(file).Trim(), System.Globalization.CultureInfo.InvariantCulture));
        }

        var pids = new[] { await d.OsPidAsync("a"), await d.OsPidAsync("b"), await d.OsPidAsync("c") }.Concat(background).ToArray();
        string order;
        await using (d)
        {
            Assert.Equal(0, await d.StopAsync());
            order = File.ReadAllText(Path.Combine(d.Dir, "order"));
        }

        Assert.Equal("c\nb\na\n", order);
        Assert.All(pids, p => Assert.False(Os.Alive(p)));
    }

    [Fact]
    public async Task On_SIGTERM_the_log_says_what_stopped_in_the_order_it_stopped()
    {
        await using var d = await DaemonProcess.StartAsync("""
            name: order
            children:
              - service: first
                command: [sleep, "1000"]
              - supervisor: group
                children:
                  - service: inner1
                    command: [sleep, "1000"]
                  - service: inner2
                    command: [sleep, "1000"]
              - service: last
                command: [sleep, "1000"]
            """);
        Assert.Equal(0, await d.StopAsync());
        var lines = d.Output.Split('\n');
        int At(string node) => Array.FindIndex(lines, l => l.Contains($"] {node}: stopped", StringComparison.Ordinal));

        // Reverse start order, each supervisor after its children, the root last.
        string[] order = ["last", "inner2", "inner1", "group", "first", "order"];
        var at = order.Select(At).ToArray();
        Assert.All(at, i => Assert.True(i >= 0, d.Output));
        Assert.Equal(at.Order(), at);
    }
}
