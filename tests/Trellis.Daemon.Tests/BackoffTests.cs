using System.Text.Json;

namespace Trellis.Daemon.Tests;

/// <summary>
/// A service waiting out its backoff holds up nobody: its supervisor restarts and stops its siblings at once, the
/// operator stops or starts it at once, and a delayed restart still waits for readiness before it is running.
/// </summary>
public sealed class BackoffTests
{
    [Fact]
    public async Task A_service_in_a_long_backoff_never_blocks_its_supervisor_or_the_operator()
    {
        await using var d = await DaemonProcess.StartAsync("""
            name: backoff
            children:
              - supervisor: pair
                strategy: one_for_one
                intensity: 10
                period: 60s
                children:
                  - service: flaky
                    command: [sh, -c, 'if [ -f $DIR/flaky.once ]; then exec sleep 1000; fi; touch $DIR/flaky.once; exit 3']
                    backoff: {initial: 1h, factor: 2, max: 1h, reset_after: 2h, jitter: none}
                  - service: steady
                    command: [sleep, "1000"]
            """);

        // flaky crashed once and now waits an hour: a live child of its supervisor with no program yet.
        await d.WaitForAsync(async () => (await d.NodeAsync("flaky")).GetProperty("status").GetString() == "backoff", "flaky in backoff");
        var flaky = await d.NodeAsync("flaky");
        Assert.Equal(JsonValueKind.String, flaky.GetProperty("pid").ValueKind);
        Assert.False(flaky.TryGetProperty("os_pid", out var none) && none.ValueKind == JsonValueKind.Number, "flaky has a program in its backoff");
        Assert.Equal(1, flaky.GetProperty("restarts").GetInt32());

        // The supervisor answers: a sibling's restart and kill are handled now, not in an hour.
        var steady = await d.OsPidAsync("steady");
        var (code, output, _) = await d.CtlAsync("restart", "steady");
        Assert.True(code == 0, output);
        Assert.NotEqual(steady, await d.OsPidAsync("steady"));
        steady = await d.OsPidAsync("steady");
        (code, _, _) = await d.CtlAsync("kill", "steady");
        Assert.Equal(0, code);
        await d.WaitForAsync(async () => await d.OsPidAsync("steady") is var p && p != 0 && p != steady, "steady restarted after its kill");

        // Nothing to signal in a backoff; a stop ends it at once, and an operator's start runs it with no delay.
        (code, output, _) = await d.CtlAsync("kill", "flaky");
        Assert.NotEqual(0, code);
        Assert.Contains("waiting out its restart delay", output + d.Output, StringComparison.Ordinal);
        (code, _, _) = await d.CtlAsync("stop", "flaky");
        Assert.Equal(0, code);
        Assert.Equal("stopped", (await d.NodeAsync("flaky")).GetProperty("status").GetString());
        (code, output, _) = await d.CtlAsync("start", "flaky");
        Assert.True(code == 0, output);
        Assert.Equal("running", (await d.NodeAsync("flaky")).GetProperty("status").GetString());
        Assert.True(Os.Alive(await d.OsPidAsync("flaky")));
    }

    [Fact]
    public async Task A_delayed_restart_spawns_when_its_delay_is_up_and_is_running_only_once_ready()
    {
        await using var d = await DaemonProcess.StartAsync("""
            name: delayed
            children:
              - service: late
                command: [sh, -c, 'n=$(cat $DIR/runs 2>/dev/null || echo 0); n=$((n+1)); echo $n > $DIR/runs; if [ $n = 1 ]; then echo >&3; sleep 0.3; exit 1; fi; sleep 0.2; echo >&3; exec sleep 1000']
                restart_delay: 1s
                ready: {notify: fd, fd: 3, timeout: 10s}
            """);

        await d.WaitForAsync(
            async () => (await d.NodeAsync("late")).GetProperty("restarts").GetInt32() == 1 && (await d.NodeAsync("late")).GetProperty("status").GetString() == "running",
            "late running after its delayed restart");
        var events = (await d.EventsAsync()).Where(e => e.Node == "late").Select(e => e.Kind).ToList();
        var backoff = events.IndexOf("backoff");
        Assert.True(backoff >= 0, string.Join(",", events));
        Assert.True(events.IndexOf("restarting") > backoff, string.Join(",", events));
        Assert.True(events.LastIndexOf("ready") > events.IndexOf("restarting"), string.Join(",", events));
        Assert.Equal("2", File.ReadAllText(Path.Combine(d.Dir, "runs")).Trim());
        Assert.True(Os.Alive(await d.OsPidAsync("late")));
    }
}
