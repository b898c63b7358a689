using System.Globalization;
using Trellis.OsProcess.ControlGroups;
using Trellis.Tests.Fakes;

namespace Trellis.OsProcess.Tests;

/// <summary>
/// Programs in their own cgroups, on this machine's layout (v1 memory, cpu and pids controllers beside a unified v2
/// hierarchy with no controllers); the tests run as root and remove every group they create.
/// </summary>
public sealed class ControlGroupTests : IAsyncLifetime
{
    private readonly string _root = "trellis-test-" + Guid.NewGuid().ToString("N")[..8];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        var (_, error) = await ControlGroup.RemoveTreeAsync(_root, TimeSpan.FromSeconds(5));
        Assert.Null(error);
    }

    private ControlGroup Create(string name, ResourceLimits? limits = null)
    {
        Assert.Null(ControlGroup.TryCreate(_root + "/" + name, limits, out var group, out var warnings));
        Assert.Empty(warnings);
        return group!;
    }

    private static ProgramSpec Script(string script, ControlGroup group, EventLog? lines = null) =>
        ProgramSpec.Shell(script) with { ControlGroup = group, StandardOutput = lines is null ? OutputTarget.Null : OutputTarget.Lines(lines.Add) };

    private static async Task<string> NextLineAsync(EventLog lines, Func<string, bool> match)
    {
        await lines.WaitUntilAsync(e => e.Any(match));
        return lines.Snapshot().First(match);
    }

    [Fact]
    public void Layout_ThisMachine_UsesV1ControllersBesideAUnifiedHierarchyWithNone()
    {
        const string mountInfo = """
            30 24 0:26 / /sys/fs/cgroup/unified rw,relatime shared:6 - cgroup2 cgroup2 rw
            31 24 0:27 / /sys/fs/cgroup/cpu rw,relatime shared:7 - cgroup cgroup rw,cpu
            32 24 0:28 / /sys/fs/cgroup/cpuacct rw,relatime shared:8 - cgroup cgroup rw,cpuacct
            34 24 0:30 / /sys/fs/cgroup/memory rw,relatime shared:10 - cgroup cgroup rw,memory
            38 24 0:34 / /sys/fs/cgroup/pids rw,relatime shared:14 - cgroup cgroup rw,pids
            39 24 0:35 / /sys/fs/cgroup/systemd rw,relatime shared:15 - cgroup cgroup rw,name=systemd
            """;
        const string self = "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/d3ace\n2:cpuacct:/\n1:cpu:/\n0::/\n";
        var layout = CgroupLayout.Parse(mountInfo, self, _ => "\n");
        Assert.Equal("/sys/fs/cgroup/unified", layout.V2Dir);
        Assert.Empty(layout.V2Controllers);
        Assert.Equal("/sys/fs/cgroup/memory/process_api/d3ace", layout.V1Dirs["memory"]);
        Assert.Equal("/sys/fs/cgroup/pids", layout.V1Dirs["pids"]);
        Assert.Equal("v1", layout.HierarchyOf("memory"));
        Assert.Null(layout.HierarchyOf("io"));
    }

    [Fact]
    public void Layout_PureV2InAContainer_TakesTheControllersFromTheUnifiedHierarchy()
    {
        // A container's namespace root is its own group: the mount's root is "/" and so is the process's path.
        const string mountInfo = "40 30 0:40 /../.. /ignored rw - cgroup2 cgroup2 rw\n41 30 0:41 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
        var layout = CgroupLayout.Parse(mountInfo, "0::/\n", dir => dir == "/sys/fs/cgroup" ? "cpuset cpu io memory pids\n" : null);
        Assert.Equal("/sys/fs/cgroup", layout.V2Dir);
        Assert.Equal("v2", layout.HierarchyOf("memory"));
        Assert.Equal("v2", layout.HierarchyOf("pids"));
        Assert.Empty(layout.V1Dirs);
    }

    [Fact]
    public void Layout_CoMountedV1AndABindOfAnotherGroup()
    {
        // cpu and cpuacct share one mount; a memory mount that shows only /other cannot reach this process's group.
        const string mountInfo = """
            31 24 0:27 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
            34 24 0:30 /other /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
            35 24 0:31 /sys.slice /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids
            """;
        var layout = CgroupLayout.Parse(mountInfo, "3:cpu,cpuacct:/a\n4:memory:/mine\n5:pids:/sys.slice/svc\n", _ => null);
        Assert.Null(layout.V2Dir);
        Assert.Equal("/sys/fs/cgroup/cpu,cpuacct/a", layout.V1Dirs["cpu"]);
        Assert.Equal("/sys/fs/cgroup/cpu,cpuacct/a", layout.V1Dirs["cpuacct"]);
        Assert.False(layout.V1Dirs.ContainsKey("memory"));
        Assert.Equal("/sys/fs/cgroup/pids/svc", layout.V1Dirs["pids"]);
    }

    [Fact]
    public void Layout_NoCgroupsMounted_CreatesNothing()
    {
        var layout = CgroupLayout.Parse("22 1 0:21 / /proc rw - proc proc rw\n", "0::/\n", _ => null);
        Assert.Equal("no cgroup hierarchy", layout.Describe());
        Assert.Equal("no cgroup hierarchy is mounted", ControlGroup.TryCreate(layout, "x/y", null, out var group, out _));
        Assert.Null(group);
    }

    [Fact]
    public void TryCreate_RefusesAPathThatIsNotOne()
    {
        foreach (var bad in new[] { "", "../x", "a//b", "a/./b", "a b", "a/b\n" })
        {
            Assert.NotNull(ControlGroup.TryCreate(bad, null, out var group, out _));
            Assert.Null(group);
        }
    }

    [Fact]
    public async Task Program_IsInItsGroupFromTheStart_AndTheSpawningThreadIsNot()
    {
        var group = Create("first");
        await using var probe = new Probe();
        var start = await ProgramChild.StartAsync(probe.Node, Script("exec sleep 600", group));
        var osPid = (int)start.Info!;
        Assert.Equal([osPid], group.Processes());
        var cgroups = File.ReadAllText($"/proc/{osPid.ToString(CultureInfo.InvariantCulture)}/cgroup");
        Assert.Contains($":pids:/{_root}/first", cgroups, StringComparison.Ordinal);
        Assert.Contains($"0::/{_root}/first", cgroups, StringComparison.Ordinal);

        // No thread of this process stayed behind in the group.
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            string text;
            try
            {
                text = File.ReadAllText(Path.Combine(task, "cgroup"));
            }
            catch (Exception e) when (e is DirectoryNotFoundException or FileNotFoundException)
            {
                continue; // A thread that ended between the listing and the read is in no group.
            }

            Assert.DoesNotContain(_root, text, StringComparison.Ordinal);
        }

        Node.Exit(start.Pid, ExitReason.Shutdown);
        Assert.Equal(ExitReason.Shutdown, await Probe.ExitOf(start.Pid));
        Assert.Empty(group.Processes());
    }

    [Fact]
    public async Task SetsidEscapee_DiesWhenTheProgramStops()
    {
        var group = Create("escape");
        await using var probe = new Probe();
        var lines = new EventLog();
        var start = await ProgramChild.StartAsync(probe.Node, Script("setsid sh -c 'echo escapee $$; exec sleep 600' & exec sleep 600", group, lines));
        var escapee = int.Parse((await NextLineAsync(lines, l => l.StartsWith("escapee", StringComparison.Ordinal))).Split(' ')[1], CultureInfo.InvariantCulture);
        Assert.NotEqual(ProcessStat.Of((int)start.Info!)!.Value.Session, ProcessStat.Of(escapee)!.Value.Session);
        Node.Exit(start.Pid, ExitReason.Shutdown);
        Assert.Equal(ExitReason.Shutdown, await Probe.ExitOf(start.Pid));
        Assert.False(OsCheck.Exists(escapee) && ProcessStat.Of(escapee) is { Zombie: false });
        Assert.Empty(group.Processes());
    }

    [Fact]
    public async Task SetsidEscapee_DiesWhenTheProgramExitsByItself()
    {
        var group = Create("escape-exit");
        await using var probe = new Probe();
        var lines = new EventLog();
        var start = await ProgramChild.StartAsync(probe.Node, Script("setsid sh -c 'echo escapee $$; exec sleep 600' & read _ < /dev/null; sleep 0.2; exit 3", group, lines));
        var escapee = int.Parse((await NextLineAsync(lines, l => l.StartsWith("escapee", StringComparison.Ordinal))).Split(' ')[1], CultureInfo.InvariantCulture);
        Assert.Equal(ExitReason.FromExitCode(3), await Probe.ExitOf(start.Pid));
        Assert.Empty(group.Processes());
        Assert.False(ProcessStat.Of(escapee) is { Zombie: false });
    }

    [Fact]
    public async Task MemoryMax_AnOomKillIsItsOwnExitReason()
    {
        var group = Create("oom", new ResourceLimits { MemoryMax = 32 << 20 });
        await using var probe = new Probe();
        var start = await ProgramChild.StartAsync(probe.Node, Script("exec perl -e '$x = \"x\" x (256 * 1024 * 1024); sleep 60'", group));
        var reason = await Probe.ExitOf(start.Pid);
        Assert.True(ControlGroup.IsOomKill(reason), reason.ToString());
        Assert.Equal("{oom_killed,{memory_max,33554432}}", reason.ToString());
        Assert.Equal(1, group.OomKills());
    }

    [Fact]
    public async Task SigkillWithoutAnOom_StaysASignal()
    {
        var group = Create("kill", new ResourceLimits { MemoryMax = 64 << 20 });
        await using var probe = new Probe();
        var start = await ProgramChild.StartAsync(probe.Node, Script("exec sleep 600", group));
        Assert.True(await ProgramChild.SignalAsync(start.Pid, Signals.Kill));
        Assert.Equal(ExitReason.FromSignal(Signals.Kill, false), await Probe.ExitOf(start.Pid));
    }

    [Fact]
    public async Task PidsMax_AForkPastItFails()
    {
        var group = Create("pids", new ResourceLimits { PidsMax = 3 });
        await using var probe = new Probe();
        var lines = new EventLog();
        var start = await ProgramChild.StartAsync(probe.Node, Script(
            "exec perl -e '$| = 1; my $failed = 0; for (1 .. 6) { my $p = fork; if (!defined $p) { $failed++ } elsif ($p == 0) { sleep 600; exit } } print \"failed $failed\\n\"; sleep 600'",
            group,
            lines));

        // perl and two children make three; the other four forks fail.
        Assert.Equal("failed 4", await NextLineAsync(lines, l => l.StartsWith("failed", StringComparison.Ordinal)));
        Assert.Equal(3, group.Processes().Count);
        Assert.Equal("3", File.ReadAllText(Path.Combine(group.Directories.Single(d => d.StartsWith("/sys/fs/cgroup/pids", StringComparison.Ordinal)), "pids.max")).Trim());
        Node.Exit(start.Pid, ExitReason.Shutdown);
        await Probe.ExitOf(start.Pid);
        Assert.Empty(group.Processes());
    }

    [Fact]
    public void CpuLimits_AreWrittenInTheV1Units()
    {
        var group = Create("cpu", new ResourceLimits { CpuMax = 0.5, CpuWeight = 50 });
        var cpu = group.Directories.Single(d => d.StartsWith("/sys/fs/cgroup/cpu/", StringComparison.Ordinal));
        Assert.Equal("50000", File.ReadAllText(Path.Combine(cpu, "cpu.cfs_quota_us")).Trim());
        Assert.Equal("100000", File.ReadAllText(Path.Combine(cpu, "cpu.cfs_period_us")).Trim());
        Assert.Equal("512", File.ReadAllText(Path.Combine(cpu, "cpu.shares")).Trim());
    }

    [Fact]
    public async Task Usage_CountsTheProgramAndItsDescendants()
    {
        var group = Create("usage");
        await using var probe = new Probe();
        var lines = new EventLog();
        var start = await ProgramChild.StartAsync(probe.Node, Script("sleep 600 & sleep 600 & i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; echo busy; wait", group, lines));
        await NextLineAsync(lines, l => l == "busy");
        var osPid = (int)start.Info!;
        var bySession = ResourceUsage.OfSessions([osPid]);
        var usage = bySession[osPid];
        Assert.Equal(3, usage.Processes);
        Assert.Equal(usage, ResourceUsage.Of(group.Processes()));
        Assert.True(usage.RssBytes > 0);
        Assert.True(usage.OpenFiles >= 9, usage.ToString());
        Assert.True(group.CpuSeconds() > 0);
        Node.Exit(start.Pid, ExitReason.Shutdown);
        await Probe.ExitOf(start.Pid);
    }

    [Fact]
    public async Task RemoveTree_KillsWhatALostOwnerLeftAndRemovesTheGroups()
    {
        var group = Create("left/behind");
        await using var probe = new Probe();
        var lines = new EventLog();
        var start = await ProgramChild.StartAsync(probe.Node, Script("sleep 600 & echo forked; exec sleep 600", group, lines));
        await NextLineAsync(lines, l => l == "forked");
        var (killed, error) = await ControlGroup.RemoveTreeAsync(_root, TimeSpan.FromSeconds(5));
        Assert.Null(error);
        Assert.Equal(2, killed);
        Assert.Equal(ExitReason.FromSignal(Signals.Kill, false), await Probe.ExitOf(start.Pid));
        Assert.All(group.Directories, d => Assert.False(Directory.Exists(d)));
        Assert.False(Directory.Exists("/sys/fs/cgroup/pids/" + _root));
    }
}
