using System.Globalization;
using Trellis.OsProcess.Internal;
using Trellis.Tests.Fakes;

namespace Trellis.OsProcess.Tests;

/// <summary>Programs in supervisor trees: restarts by exit status, the shutdown protocol on process groups, no orphans.</summary>
public class SupervisionTests
{
    private static readonly SupervisorFlags Flags = new() { Intensity = 10, Period = TimeSpan.FromSeconds(5) };

    private static ProgramSpec Script(string script, EventLog? lines = null) =>
        ProgramSpec.Shell(script) with { StandardOutput = lines is null ? OutputTarget.Null : OutputTarget.Lines(lines.Add) };

    private static async Task<string> NextLineAsync(EventLog lines, Func<string, bool> match)
    {
        await lines.WaitUntilAsync(e => e.Any(match));
        return lines.Snapshot().First(match);
    }

    private static int Int(string s) => int.Parse(s, CultureInfo.InvariantCulture);

    [Fact]
    public async Task PermanentProgram_IsRestartedWithANewPid()
    {
        await using var probe = new Probe();
        var lines = new EventLog();
        var sup = await probe.StartSupervisorAsync(Flags, ProgramChild.Spec("p", Script("echo started $$; exec sleep 600", lines)));
        var child = await Probe.ChildPid(sup, "p");
        var first = await ProgramChild.GetOsPidAsync(child);
        Assert.True(await ProgramChild.SignalAsync(child, Signals.Kill));
        Assert.Equal(ExitReason.FromSignal(Signals.Kill, false), await Probe.ExitOf(child));
        var second = await NextLineAsync(lines, l => l != "started " + first.ToString(CultureInfo.InvariantCulture));
        var restarted = await Probe.ChildPid(sup, "p");
        Assert.NotEqual(child, restarted);
        Assert.Equal(Int(second.Split(' ')[1]), await ProgramChild.GetOsPidAsync(restarted));
        Assert.False(OsCheck.Exists(first));
    }

    [Fact]
    public async Task TransientProgram_ExitZeroIsNotRestarted()
    {
        await using var probe = new Probe();
        // The program exits 0 when told, so the test holds its pid before it is gone; it is told only once its trap is
        // set (a USR1 before that would end the shell by the signal).
        var lines = new EventLog();
        var spec = ProgramChild.Spec("t", Script("trap 'exit 0' USR1; echo ready; while :; do sleep 0.05; done", lines)) with { Restart = RestartType.Transient };
        var sup = await probe.StartSupervisorAsync(Flags, spec);
        var child = await Probe.ChildPid(sup, "t");
        await NextLineAsync(lines, l => l == "ready");
        Assert.True(await ProgramChild.SignalAsync(child, Signals.Usr1));
        Assert.Equal(ExitReason.Normal, await Probe.ExitOf(child));
        var info = (await Supervisor.WhichChildrenAsync(sup)).Single();
        Assert.True(info.Pid.IsNone);
    }

    [Fact]
    public async Task FailingToStart_IsFailedToStartChild()
    {
        await using var probe = new Probe();
        var result = await Supervisor.StartAsync(probe.Node, [ProgramChild.Spec("x", new ProgramSpec { FileName = "no-such-program-xyz" })], Flags);
        Assert.True(result.IsError);
        Assert.Contains("failed_to_start_child", result.Error!.ToString(), StringComparison.Ordinal);
        Assert.Contains("enoent", result.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TerminateChild_StopsTheProgramAndItsGrandchildren()
    {
        await using var probe = new Probe();
        var lines = new EventLog();
        var sup = await probe.StartSupervisorAsync(Flags, ProgramChild.Spec("g", Script("sleep 600 & echo grandchild $!; wait", lines)));
        var grandchild = Int((await NextLineAsync(lines, l => l.StartsWith("grandchild", StringComparison.Ordinal))).Split(' ')[1]);
        var child = await Probe.ChildPid(sup, "g");
        var leader = await ProgramChild.GetOsPidAsync(child);
        Assert.True((await Supervisor.TerminateChildAsync(sup, "g")).IsOk);
        Assert.Equal(ExitReason.Shutdown, await Probe.ExitOf(child));
        Assert.False(OsCheck.GroupExists(leader));
        Assert.False(OsCheck.Exists(grandchild));
    }

    [Fact]
    public async Task ProgramIgnoringStopSignal_IsKilledWhenTheShutdownTimeoutPasses()
    {
        await using var probe = new Probe(manualTime: true);
        var lines = new EventLog();
        var spec = ProgramChild.Spec("s", Script("trap 'echo got TERM' TERM; echo ready; while :; do sleep 1; done", lines))
            with { Shutdown = Shutdown.AfterMilliseconds(2000) };
        var sup = await probe.StartSupervisorAsync(Flags, spec);
        await NextLineAsync(lines, l => l == "ready");
        var child = await Probe.ChildPid(sup, "s");
        var leader = await ProgramChild.GetOsPidAsync(child);
        var terminate = Supervisor.TerminateChildAsync(sup, "s").AsTask();
        await NextLineAsync(lines, l => l == "got TERM");
        await probe.Time!.WaitForTimersAsync();
        Assert.True(OsCheck.Exists(leader));
        probe.Time.Advance(TimeSpan.FromMilliseconds(2000));
        Assert.True((await terminate.WaitAsync(Probe.Deadline)).IsOk);
        Assert.Equal(ExitReason.Killed, await Probe.ExitOf(child));
        await ChildReaper.Shared.WhenGroupGone(leader).WaitAsync(Probe.Deadline);
        Assert.False(OsCheck.GroupExists(leader));
    }

    [Fact]
    public async Task BrutalKill_SendsSigkillToTheGroupAtOnce()
    {
        await using var probe = new Probe();
        var lines = new EventLog();
        var spec = ProgramChild.Spec("b", Script("trap '' TERM; sleep 600 & echo ready $!; wait", lines)) with { Shutdown = Shutdown.BrutalKill };
        var sup = await probe.StartSupervisorAsync(Flags, spec);
        var grandchild = Int((await NextLineAsync(lines, l => l.StartsWith("ready", StringComparison.Ordinal))).Split(' ')[1]);
        var child = await Probe.ChildPid(sup, "b");
        var leader = await ProgramChild.GetOsPidAsync(child);
        Assert.True((await Supervisor.TerminateChildAsync(sup, "b")).IsOk);
        Assert.Equal(ExitReason.Killed, await Probe.ExitOf(child));
        await ChildReaper.Shared.WhenGroupGone(leader).WaitAsync(Probe.Deadline);
        Assert.False(OsCheck.Exists(grandchild));
    }

    [Fact]
    public async Task LeaderExit_TakesTheRestOfItsGroupWithIt()
    {
        await using var probe = new Probe();
        var lines = new EventLog();
        var start = await ProgramChild.StartAsync(probe.Node, Script("sleep 600 & echo $$ $!; exit 0", lines));
        var pids = (await NextLineAsync(lines, _ => true)).Split(' ');
        var (leader, grandchild) = (Int(pids[0]), Int(pids[1]));
        Assert.Equal(ExitReason.Normal, await Probe.ExitOf(start.Pid));
        await ChildReaper.Shared.WhenGroupGone(leader).WaitAsync(Probe.Deadline);
        Assert.False(OsCheck.Exists(grandchild));
    }

    [Fact]
    public async Task OrphanThatLeftTheGroup_IsReaped()
    {
        await using var probe = new Probe();
        var lines = new EventLog();
        var reaped = new EventLog();
        void OnReaped(int pid) => reaped.Add(pid.ToString(CultureInfo.InvariantCulture));
        ChildReaper.Shared.StrayReaped += OnReaped;
        try
        {
            // The grandchild calls setsid (a new session, outside the program's group), outlives its parent, is
            // reparented to this process (a subreaper) and dies a little later.
            // The program waits until the grandchild has left its group: exiting earlier would kill it with the group.
            var mark = Path.Combine(Path.GetTempPath(), "trellis-orphan-" + Guid.NewGuid().ToString("N"));
            var script = $"(setsid sh -c 'echo $$; touch {mark}; exec sleep 0.3' &); while [ ! -e {mark} ]; do :; done; rm {mark}; exit 0";
            var start = await ProgramChild.StartAsync(probe.Node, Script(script, lines));
            var orphan = Int(await NextLineAsync(lines, _ => true));
            Assert.Equal(ExitReason.Normal, await Probe.ExitOf(start.Pid));
            await reaped.WaitForAsync(orphan.ToString(CultureInfo.InvariantCulture));
            Assert.False(OsCheck.Exists(orphan));
        }
        finally
        {
            ChildReaper.Shared.StrayReaped -= OnReaped;
        }
    }

    [Fact]
    public async Task MixedTree_RestForOneRestartsTheProgramAfterAWorker()
    {
        await using var probe = new Probe();
        var flags = Flags with { Strategy = Strategy.RestForOne };
        var worker = ChildSpec.ForProcess("worker", async ctx => await ctx.ReceiveAsync());
        var sup = await probe.StartSupervisorAsync(flags, worker, ProgramChild.Spec("prog", Script("exec sleep 600")));
        var prog = await Probe.ChildPid(sup, "prog");
        var osPid = await ProgramChild.GetOsPidAsync(prog);
        await Probe.KillAndSync(sup, await Probe.ChildPid(sup, "worker"));
        Assert.Equal(ExitReason.Shutdown, await Probe.ExitOf(prog));
        Assert.False(OsCheck.Exists(osPid));
        var again = await Probe.ChildPid(sup, "prog");
        Assert.NotEqual(osPid, await ProgramChild.GetOsPidAsync(again));
    }
}
