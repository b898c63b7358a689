namespace Trellis.Daemon.Tests;

/// <summary>rest_for_one and one_for_all across OS programs, and the operator's commands.</summary>
public sealed class StrategyTests
{
    private const string Tree = """
        name: strategies
        intensity: 20
        period: 10s
        children:
          - supervisor: chain
            strategy: rest_for_one
            children:
              - service: a
                command: [sleep, "1000"]
              - service: b
                command: [sleep, "1000"]
              - service: c
                command: [sleep, "1000"]
          - supervisor: all
            strategy: one_for_all
            children:
              - service: x
                command: [sleep, "1000"]
              - service: y
                command: [sleep, "1000"]
          - service: lone
            command: [sleep, "1000"]
        """;

    private static readonly string[] Names = ["a", "b", "c", "x", "y", "lone"];

    [Fact]
    public async Task Killing_a_program_restarts_what_its_supervisors_strategy_says_and_nothing_else()
    {
        await using var d = await DaemonProcess.StartAsync(Tree);
        var before = await PidsAsync(d);

        var (code, output, _) = await d.CtlAsync("kill", "b");
        Assert.Equal(0, code);
        Assert.Contains("SIGKILL", output, StringComparison.Ordinal);
        await d.WaitForAsync(async () => await Changed(d, before, "b", "c"), "b and c restarted");
        var after = await PidsAsync(d);
        Assert.Equal(before["a"], after["a"]);
        Assert.Equal(before["x"], after["x"]);
        Assert.Equal(before["lone"], after["lone"]);
        Assert.False(Os.Alive(before["b"]) || Os.Alive(before["c"]));
        Assert.Equal("killed by SIGKILL", (await d.NodeAsync("b")).GetProperty("last_exit").GetString());
        Assert.Equal(1, (await d.NodeAsync("c")).GetProperty("restarts").GetInt32());

        (code, _, _) = await d.CtlAsync("kill", "x");
        Assert.Equal(0, code);
        await d.WaitForAsync(async () => await Changed(d, after, "x", "y"), "x and y restarted");
        var last = await PidsAsync(d);
        Assert.Equal(after["a"], last["a"]);
        Assert.Equal(after["b"], last["b"]);
        Assert.Equal(after["lone"], last["lone"]);
    }

    [Fact]
    public async Task Stop_start_restart_and_signal_through_the_cli()
    {
        await using var d = await DaemonProcess.StartAsync(Tree);
        var lone = await d.OsPidAsync("lone");

        var (code, output, _) = await d.CtlAsync("stop", "lone");
        Assert.Equal(0, code);
        Assert.Contains("lone stopped", output, StringComparison.Ordinal);
        Assert.False(Os.Alive(lone));
        var node = await d.NodeAsync("lone");
        Assert.Equal("stopped", node.GetProperty("status").GetString());
        Assert.Equal("down", node.GetProperty("want").GetString());

        (code, _, _) = await d.CtlAsync("start", "lone");
        Assert.Equal(0, code);
        var started = await d.OsPidAsync("lone");
        Assert.True(Os.Alive(started));

        (code, _, _) = await d.CtlAsync("restart", "a");
        Assert.Equal(0, code);
        Assert.Equal("running", (await d.NodeAsync("a")).GetProperty("status").GetString());

        (code, output, _) = await d.CtlAsync("signal", "lone", "TERM");
        Assert.Equal(0, code);
        await d.WaitForAsync(async () => await d.OsPidAsync("lone") is var p && p != 0 && p != started, "lone restarted after SIGTERM");
        Assert.Equal("killed by SIGTERM", (await d.NodeAsync("lone")).GetProperty("last_exit").GetString());

        var (status, statusOut, _) = await d.CtlAsync("status");
        Assert.Equal(0, status);
        Assert.Contains("NAME", statusOut, StringComparison.Ordinal);
        Assert.Contains("rest_for_one", (await d.CtlAsync("tree")).Out, StringComparison.Ordinal);
        Assert.Contains("\"nodes\"", (await d.CtlAsync("status", "--json")).Out, StringComparison.Ordinal);

        (code, _, var err) = await d.CtlAsync("stop", "nosuch");
        Assert.Equal(4, code);
        Assert.Contains("no node named 'nosuch'", err, StringComparison.Ordinal);
        (code, _, err) = await d.CtlAsync("signal", "lone", "NOPE");
        Assert.Equal(2, code);
        Assert.Contains("'NOPE' is not a signal", err, StringComparison.Ordinal);
        (code, _, err) = await d.CtlAsync("signal", "chain", "HUP");
        Assert.Equal(1, code);
        Assert.Contains("only services take signals", err, StringComparison.Ordinal);
        (code, _, _) = await d.CtlAsync("frobnicate");
        Assert.Equal(2, code);
    }

    private static async Task<Dictionary<string, int>> PidsAsync(DaemonProcess d)
    {
        var pids = new Dictionary<string, int>();
        foreach (var n in Names)
        {
            pids[n] = await d.OsPidAsync(n);
        }

        return pids;
    }

    private static async Task<bool> Changed(DaemonProcess d, Dictionary<string, int> before, params string[] names)
    {
        foreach (var n in names)
        {
            var node = await d.NodeAsync(n);
            if (node.GetProperty("status").GetString() != "running" || !node.TryGetProperty("os_pid", out var p) || p.GetInt32() == before[n])
            {
                return false;
            }
        }

        return true;
    }
}
