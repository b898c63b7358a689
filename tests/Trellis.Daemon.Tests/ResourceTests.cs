using System.Globalization;
using System.Text.Json;

namespace Trellis.Daemon.Tests;

/// <summary>
/// Services in their own cgroups and what they use, against the real daemon as root on this machine's layout: a
/// setsid escapee dies with its service and with a killed daemon's successor, limits reach the kernel, an OOM kill is
/// its own reason, restart_on_memory restarts, status and the API show CPU, memory, threads and descriptors.
/// </summary>
public sealed class ResourceTests
{
    private static string Mark() => Random.Shared.Next(100_000, 900_000).ToString(CultureInfo.InvariantCulture);

    private static string CgroupOf(int pid, string controller) =>
        File.ReadAllLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cgroup").Select(l => l.Split(':', 3)).Single(p => p[1] == controller)[2];

    private static void KillAll(string mark)
    {
        foreach (var pid in FaultTests.Sleeps(mark))
        {
            _ = OsProcess.Native.Libc.kill(pid, OsProcess.Signals.Kill);
        }
    }

    [Fact]
    public async Task A_setsid_escapee_dies_when_its_service_stops_and_the_cgroups_go_with_the_daemon()
    {
        var mark = Mark();
        try
        {
            await using var d = await DaemonProcess.StartAsync($$"""
                name: escape
                children:
                  - service: a
                    command: [sh, -c, 'setsid sleep {{mark}} & exec sleep 1000']
                """);
            var pid = await d.OsPidAsync("a");
            await d.WaitForAsync(() => Task.FromResult(FaultTests.Sleeps(mark).Count == 1), "the escapee");
            var escapee = FaultTests.Sleeps(mark).Single();
            Assert.NotEqual(OsProcess.ProcessStat.Of(pid)!.Value.Session, OsProcess.ProcessStat.Of(escapee)!.Value.Session);
            var group = CgroupOf(escapee, "pids");
            Assert.Equal(group, CgroupOf(pid, "pids"));
            Assert.EndsWith("/a", group, StringComparison.Ordinal);
            Assert.Contains("cgroups: each service in its own group below trellis-", d.Output, StringComparison.Ordinal);

            Assert.Equal(0, (await d.CtlAsync("stop", "a")).Code);
            Assert.False(FaultTests.Live(escapee), "the setsid escapee outlived its service's stop");
            Assert.True(Directory.Exists("/sys/fs/cgroup/pids" + group));

            Assert.Equal(0, await d.StopAsync());
            Assert.False(Directory.Exists("/sys/fs/cgroup/pids" + group), "the daemon left its cgroup behind");
            Assert.False(Directory.Exists("/sys/fs/cgroup/pids" + group[..group.LastIndexOf('/')]));
        }
        finally
        {
            KillAll(mark);
        }
    }

    [Fact]
    public async Task After_a_SIGKILL_the_next_daemon_kills_a_setsid_escapee_the_killed_one_left()
    {
        var mark = Mark();
        try
        {
            await using var first = await DaemonProcess.StartAsync($$"""
                name: orphans
                children:
                  - service: a
                    command: [sh, -c, 'setsid sleep {{mark}} & exec sleep 1000']
                """);
            await first.WaitForAsync(() => Task.FromResult(FaultTests.Sleeps(mark).Count == 1), "the escapee");
            var escapee = FaultTests.Sleeps(mark).Single();
            await first.KillAsync();
            Assert.True(FaultTests.Live(escapee));

            // The process group of the record is a's; only the cgroup knows the escapee.
            await using var second = await DaemonProcess.StartAgainAsync(first);
            Assert.False(FaultTests.Live(escapee), "the escapee of a killed daemon outlived the next daemon's start");
            Assert.Contains("cgroups: killed 1 processes a killed daemon left in trellis-", second.Output, StringComparison.Ordinal);
            await second.WaitForAsync(() => Task.FromResult(FaultTests.Sleeps(mark).Count == 1), "one new escapee");
        }
        finally
        {
            KillAll(mark);
        }
    }

    [Fact]
    public async Task Limits_reach_the_kernel_and_an_OOM_kill_is_its_own_exit_reason()
    {
        await using var d = await DaemonProcess.StartAsync("""
            name: limits
            pids_max: 50
            children:
              - service: capped
                command: [sleep, "1000"]
                cpu_max: 50%
                cpu_weight: 200
              - service: hog
                restart: transient
                memory_max: 32MB
                command: [perl, -e, '$x = "x" x (256 * 1024 * 1024); sleep 60']
            """);
        var pid = await d.OsPidAsync("capped");
        string Read(string controller, string file) => File.ReadAllText($"/sys/fs/cgroup/{controller}{CgroupOf(pid, controller)}/{file}").Trim();
        Assert.Equal("50", Read("pids", "pids.max"));
        Assert.Equal("50000", Read("cpu", "cpu.cfs_quota_us"));
        Assert.Equal("2048", Read("cpu", "cpu.shares"));

        // The OOM kill is a crash, so the transient service is restarted, and it says why.
        await d.WaitForAsync(async () => (await d.NodeAsync("hog")).GetProperty("restarts").GetInt32() >= 1, "hog's restart after its OOM kill");
        var events = await d.EventsAsync();
        Assert.Contains(events, e => e.Node == "hog" && e.Kind == "crashed" && e.Detail == "killed by the OOM killer at memory_max 32MB");
        var hog = await d.NodeAsync("hog");
        Assert.Equal(32L << 20, hog.GetProperty("limits").GetProperty("memory_max").GetInt64());
    }

    [Fact]
    public async Task A_service_past_restart_on_memory_is_restarted()
    {
        await using var d = await DaemonProcess.StartAsync("""
            name: grows
            sample_interval: 200ms
            children:
              - service: leak
                restart_on_memory: 32MB
                command: [perl, -e, '$x = "x" x (64 * 1024 * 1024); sleep 1000']
            """);
        var first = await d.OsPidAsync("leak");
        await d.WaitForAsync(async () => await d.OsPidAsync("leak") is var p && p != 0 && p != first, "the memory restart");
        var events = await d.EventsAsync();
        Assert.Contains(events, e => e.Node == "leak" && e.Kind == "memory_restart" && e.Detail.StartsWith("rss ", StringComparison.Ordinal) && e.Detail.EndsWith(" is over restart_on_memory 32MB", StringComparison.Ordinal));
        Assert.Contains("restarting: rss ", (await d.CtlAsync("logs", "leak")).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_and_the_API_show_what_each_service_uses()
    {
        await using var d = await DaemonProcess.StartAsync("""
            name: usage
            children:
              - service: two
                command: [sh, -c, 'sleep 1000 & exec sleep 1000']
              - service: plain
                command: [sleep, "1000"]
            """);
        await d.WaitForAsync(async () => (await d.NodeAsync("two")).GetProperty("resources").GetProperty("processes").GetInt32() == 2, "two processes in two's group");
        var two = await d.NodeAsync("two");
        var r = two.GetProperty("resources");
        Assert.True(r.GetProperty("rss_bytes").GetInt64() > 0);
        Assert.Equal(2, r.GetProperty("threads").GetInt32());
        Assert.True(r.GetProperty("open_files").GetInt32() >= 6);
        Assert.True(r.GetProperty("cpu_percent").GetDouble() >= 0);
        Assert.True(two.GetProperty("cpu_seconds_total").GetDouble() >= 0);
        Assert.NotEmpty(two.GetProperty("history").EnumerateArray());

        var (code, output, _) = await d.CtlAsync("status");
        Assert.Equal(0, code);
        var lines = output.Split('\n');
        Assert.Matches(@"^NAME\s+KIND\s+STATUS\s+PID\s+UPTIME\s+CPU\s+RSS\s+RESTARTS\s+LAST EXIT", lines[0]);
        Assert.Matches(@"^\s*two\s+service\s+running\s+\d+\s+\S+\s+\d+\.\d%\s+\d+(\.\d)?(KB|MB)\s+0", lines.Single(l => l.TrimStart().StartsWith("two ", StringComparison.Ordinal)));

        var (_, json, _) = await d.CtlAsync("status", "--json", "plain");
        using var doc = JsonDocument.Parse(json);
        var plain = doc.RootElement.GetProperty("nodes").EnumerateArray().Single().GetProperty("node");
        Assert.Equal(1, plain.GetProperty("resources").GetProperty("processes").GetInt32());
    }
}
