using System.Diagnostics;
using System.Globalization;
using Trellis.OsProcess;
using Trellis.OsProcess.Native;

namespace Trellis.Supervise.Tests;

/// <summary>supervise as the seed describes it, run as a user would.</summary>
public class ControlTests
{
    private static int ReadPidFile(string path) => int.Parse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture);

    [Fact]
    public async Task BackgroundStart_ReturnsToTheShell_LockShowsSupervise_StatusShowsThePid()
    {
        await using var d = new SupervisedDir();
        var (code, _, err) = await SupervisedDir.RunAsync("-p", d.StatusPath, "-f", "sleep 600");
        Assert.True(code == 0, err);
        var pid = await d.WaitForPidAsync(p => p > 0);

        // The seed's own commands: od prints the pid, fuser names supervise.
        var od = Process.Start(new ProcessStartInfo("od", ["-An", "-j16", "-N4", "-tu4", d.File("status")]) { RedirectStandardOutput = true })!;
        Assert.Equal(pid.ToString(CultureInfo.InvariantCulture), (await od.StandardOutput.ReadToEndAsync()).Trim());
        var fuser = Process.Start(new ProcessStartInfo("fuser", [d.File("lock")]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var supervisePid = int.Parse((await fuser.StandardOutput.ReadToEndAsync()).Trim(), CultureInfo.InvariantCulture);
        Assert.Contains($"PPid:\t{supervisePid}\n", File.ReadAllText($"/proc/{pid}/status"), StringComparison.Ordinal);

        d.Control("dx");
        await SupervisedDir.WaitForExitAsync(supervisePid);
        Assert.False(SupervisedDir.Exists(pid));
        Assert.Equal(0, d.StatusPid());
    }

    [Fact]
    public async Task NativeSupervise_GivesBackTheCodeItsStartMapped()
    {
        // Starting maps most of the binary (fault-around); a second after the start, supervise unmaps the read-only
        // pages it holds no private copy of. What it maps again later (here: a control command) is far less.
        await using var d = new SupervisedDir();
        var foreground = d.StartForeground("-f", "sleep 600");
        await d.WaitForPidAsync(p => p > 0);
        var exe = new FileInfo($"/proc/{foreground.Id}/exe").LinkTarget!;
        long Resident() => CodeMappings.Select(File.ReadAllText($"/proc/{foreground.Id}/smaps"), exe).Sum(m => m.ResidentBytes);
        var started = Resident();
        await d.WaitUntilAsync(() => d.Log.Contains("giving back ", StringComparison.Ordinal), "supervise giving back its code pages");

        // The line is written just before the pages are given back, by the same handler; a control command is taken
        // after that handler, and the status it writes says that the release is done.
        d.Control("s");
        await d.WaitUntilAsync(() => File.ReadAllBytes(d.File("status"))[14] == (byte)'x', "alarms silenced in status");
        var after = Resident();
        Assert.True(after < started * 3 / 4, $"supervise's code resident: {started} bytes after the start, {after} after the release and a command");
        d.Control("dx");
        await SupervisedDir.WaitForExitAsync(foreground.Id);
    }

    [Fact]
    public async Task NativeSupervise_RunsAsItselfWithNoRuntimeLeftInItsProgramsEnvironment()
    {
        // The native binary needs no re-exec and no runtime variables: its pid is the one started, its name and
        // executable are supervise's, and the program gets the environment supervise got, nothing added.
        await using var d = new SupervisedDir();
        var env = Path.Combine(d.Root, "env");
        var foreground = d.StartForeground("--shell", "-f", $"env > {env}.tmp; mv {env}.tmp {env}; exec sleep 600");
        await d.WaitForPidAsync(p => p > 0);
        await d.WaitUntilAsync(() => File.Exists(env), "the program's environment");
        var lines = File.ReadAllLines(env);
        var own = File.ReadAllText($"/proc/{foreground.Id}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(
            lines.Where(l => l.StartsWith("DOTNET_", StringComparison.Ordinal) || l.StartsWith("TRELLIS_", StringComparison.Ordinal)),
            l => Assert.Contains(l, own));
        Assert.DoesNotContain(own, l => l.StartsWith("DOTNET_ReadyToRun=", StringComparison.Ordinal) || l.StartsWith("TRELLIS_SUPERVISE", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("PATH=", StringComparison.Ordinal));
        Assert.Equal("supervise", File.ReadAllText($"/proc/{foreground.Id}/comm").Trim());
        Assert.Equal(Path.GetFullPath(SupervisedDir.SupervisePath), new FileInfo($"/proc/{foreground.Id}/exe").LinkTarget);

        // No runtime diagnostics socket either: the native binary runs no diagnostic server. (Sockets that killed
        // .NET processes left behind may carry the same pid; only one made since this supervise started would count.)
        var started = foreground.StartTime.ToUniversalTime().AddSeconds(-1);
        Assert.DoesNotContain(Directory.GetFiles(Path.GetTempPath(), $"dotnet-diagnostic-{foreground.Id}-*-socket"), f => File.GetLastWriteTimeUtc(f) >= started);
        d.Control("dx");
        await SupervisedDir.WaitForExitAsync(foreground.Id);
    }

    [Fact]
    public async Task SecondSupervise_IsRefusedWithExit111()
    {
        await using var d = new SupervisedDir();
        d.StartForeground("-f", "sleep 600");
        await d.WaitForPidAsync(p => p > 0);
        var (code, _, err) = await SupervisedDir.RunAsync("-p", d.StatusPath, "-f", "sleep 600");
        Assert.Equal(111, code);
        Assert.Contains("another supervise is running", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Crash_IsRestartedWithANewPidInStatus()
    {
        await using var d = new SupervisedDir();
        d.StartForeground("-f", "sleep 600", "--restart-delay", "0");
        var first = await d.WaitForPidAsync(p => p > 0);
        Process.GetProcessById(first).Kill();
        var second = await d.WaitForNewPidAsync(first);
        Assert.NotEqual(first, second);
        Assert.Contains($"pid {first} died: was killed by SIGKILL", d.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DefaultRestartDelay_HoldsACrashLoopToOneStartPerSecond()
    {
        await using var d = new SupervisedDir();
        var stamps = Path.Combine(d.Root, "starts");
        d.StartForeground("--shell", "-f", $"date +%s.%N >> {stamps}; exit 1");
        await d.WaitUntilAsync(() => File.Exists(stamps) && File.ReadAllLines(stamps).Length >= 3, "three starts");
        var t = File.ReadAllLines(stamps).Select(l => double.Parse(l, CultureInfo.InvariantCulture)).ToArray();
        Assert.InRange(t[1] - t[0], 0.95, 3);
        Assert.InRange(t[2] - t[1], 0.95, 3);
    }

    [Fact]
    public async Task DownUpKillExit_DriveTheProgram()
    {
        await using var d = new SupervisedDir();
        var sv = d.StartForeground("-f", "sleep 600", "--restart-delay", "0");
        var first = await d.WaitForPidAsync(p => p > 0);

        // echo adds a newline: it is ignored.
        d.Control("d\n");
        await d.WaitForPidAsync(p => p == 0);
        Assert.False(SupervisedDir.Exists(first));
        Assert.Equal((byte)'d', File.ReadAllBytes(d.File("status"))[13]);

        d.Control("u");
        var second = await d.WaitForNewPidAsync(0);
        Assert.Equal((byte)'u', File.ReadAllBytes(d.File("status"))[13]);

        d.Control("k");
        var third = await d.WaitForNewPidAsync(second);
        Assert.False(SupervisedDir.Exists(second));

        d.Control("x");
        await d.WaitUntilAsync(() => d.Log.Contains("control 'x'", StringComparison.Ordinal), "x handled");
        Assert.True(SupervisedDir.Exists(third), "x alone must not stop a running program");
        Assert.False(sv.HasExited);
        d.Control("d");
        await sv.WaitForExitAsync().WaitAsync(SupervisedDir.Deadline);
        Assert.Equal(0, sv.ExitCode);
        Assert.False(SupervisedDir.Exists(third));
    }

    [Fact]
    public async Task Once_StartsWithoutRestarting()
    {
        await using var d = new SupervisedDir();
        d.StartForeground("-f", "sleep 600", "--restart-delay", "0");
        var first = await d.WaitForPidAsync(p => p > 0);
        d.Control("d");
        await d.WaitForPidAsync(p => p == 0);
        d.Control("o");
        var once = await d.WaitForNewPidAsync(0);
        Process.GetProcessById(once).Kill();
        await d.WaitForPidAsync(p => p == 0);
        await d.WaitUntilAsync(() => d.Log.Contains($"pid {once} died", StringComparison.Ordinal), "the death logged");
        Assert.Equal(0, d.StatusPid());
        Assert.NotEqual(first, once);
    }

    [Fact]
    public async Task SignalLetters_ReachTheProgram()
    {
        await using var d = new SupervisedDir();
        var log = Path.Combine(d.Root, "signals");
        d.StartForeground("--shell", "-f", $"trap 'echo HUP >> {log}' HUP; trap 'echo USR1 >> {log}' USR1; trap 'echo ALRM >> {log}' ALRM; echo ready >> {log}; while :; do sleep 0.1; done");
        await d.WaitUntilAsync(() => File.Exists(log) && File.ReadAllText(log).Contains("ready", StringComparison.Ordinal), "the program ready");
        d.Control("h");
        await d.WaitUntilAsync(() => File.ReadAllText(log).Contains("HUP", StringComparison.Ordinal), "HUP");
        d.Control("1");
        await d.WaitUntilAsync(() => File.ReadAllText(log).Contains("USR1", StringComparison.Ordinal), "USR1");
        d.Control("a");
        await d.WaitUntilAsync(() => File.ReadAllText(log).Contains("ALRM", StringComparison.Ordinal), "ALRM");
    }

    [Fact]
    public async Task PauseAndContinue_SetThePausedFlag()
    {
        await using var d = new SupervisedDir();
        d.StartForeground("-f", "sleep 600");
        var pid = await d.WaitForPidAsync(p => p > 0);
        d.Control("p");
        await d.WaitUntilAsync(() => File.ReadAllBytes(d.File("status"))[12] == 1, "paused flag");
        // The flag is written once SIGSTOP is sent; the kernel stops the program when it next runs, a moment later.
        try
        {
            await d.WaitUntilAsync(() => File.ReadAllText($"/proc/{pid}/status").Contains("State:\tT", StringComparison.Ordinal), "the program stopped");
        }
        catch (TimeoutException ex)
        {
            // Seen twice under the full suite's load and never alone: say everything about the program for next time.
            var status = File.ReadAllText($"/proc/{pid}/status");
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var wchan = File.Exists($"/proc/{pid}/wchan") ? File.ReadAllText($"/proc/{pid}/wchan") : "?";
            throw new TimeoutException($"{ex.Message}\n/proc/{pid}/stat: {stat}\nwchan: {wchan}\n{status}", ex);
        }

        d.Control("c");
        await d.WaitUntilAsync(() => !File.ReadAllText($"/proc/{pid}/status").Contains("State:\tT", StringComparison.Ordinal), "the program continued");
        await d.WaitUntilAsync(() => File.ReadAllBytes(d.File("status"))[12] == 0, "paused flag cleared");
    }

    [Fact]
    public async Task ExitStatus_Signal_AndCoreDump_AreToldApart()
    {
        await using var d = new SupervisedDir();
        var conf = Path.Combine(d.Root, "supervise.conf");
        await File.WriteAllTextAsync(conf, "[global]\ncore_limit : unlimited\n");
        var n = Path.Combine(d.Root, "n");
        // Runs 1, 2, 3: exit 3, then SIGTERM, then SIGSEGV with a core (core_pattern "core", cwd the status dir's parent).
        var script = $"cd {d.Root}; echo x >> {n}; c=$(wc -l < {n}); case $c in 1) exit 3;; 2) kill -TERM $$;; 3) kill -SEGV $$;; *) exec sleep 600;; esac";
        d.StartForeground("--shell", "-f", script, "-F", conf, "--restart-delay", "0");
        await d.WaitUntilAsync(() => File.Exists(n) && File.ReadAllLines(n).Length >= 4, "four runs");
        await d.WaitUntilAsync(() => d.Log.Contains("SIGSEGV", StringComparison.Ordinal), "the SEGV logged");
        var log = d.Log;
        Assert.Contains("died: exited with status 3", log, StringComparison.Ordinal);
        Assert.Contains("died: was killed by SIGTERM", log, StringComparison.Ordinal);
        if (File.ReadAllText("/proc/sys/kernel/core_pattern").Trim() == "core")
        {
            Assert.Contains("died: was killed by SIGSEGV (core dumped)", log, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("died: was killed by SIGSEGV", log, StringComparison.Ordinal);
        }

        Assert.Contains("exited with status 3", d.WarningLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProgramIgnoringTerm_IsKilledAfterTheShutdownTimeout()
    {
        await using var d = new SupervisedDir();
        // Told to stop only once it ignores TERM: a TERM before the trap is set would end it at once.
        var ready = Path.Combine(d.Root, "ready");
        d.StartForeground("--shell", "-f", $"trap '' TERM; touch {ready}; while :; do sleep 0.1; done", "--shutdown-timeout", "0.5");
        var pid = await d.WaitForPidAsync(p => p > 0);
        await d.WaitUntilAsync(() => File.Exists(ready), "the trap");
        d.Control("d");
        await d.WaitForPidAsync(p => p == 0);
        Assert.False(SupervisedDir.Exists(pid));
        Assert.Contains("did not stop within 0.5 s of SIGTERM: sending SIGKILL", d.WarningLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Grandchildren_AreGoneAfterDownAndAfterExit()
    {
        await using var d = new SupervisedDir();
        var gc = Path.Combine(d.Root, "gc");
        var sv = d.StartForeground("--shell", "-f", $"sleep 600 & echo $! > {gc}; wait", "--restart-delay", "0");
        await d.WaitUntilAsync(() => File.Exists(gc) && File.ReadAllText(gc).Trim().Length > 0, "the grandchild");
        var first = ReadPidFile(gc);
        File.Delete(gc);
        await d.WaitForPidAsync(p => p > 0);
        d.Control("d");
        await d.WaitForPidAsync(p => p == 0);
        Assert.False(SupervisedDir.Exists(first));

        d.Control("u");
        await d.WaitUntilAsync(() => File.Exists(gc) && File.ReadAllText(gc).Trim().Length > 0, "the second grandchild");
        var second = ReadPidFile(gc);
        var leader = await d.WaitForPidAsync(p => p > 0);
        d.Control("dx");
        await sv.WaitForExitAsync().WaitAsync(SupervisedDir.Deadline);
        Assert.False(SupervisedDir.Exists(second));
        Assert.False(SupervisedDir.Exists(leader));
    }

    [Fact]
    public async Task SigtermToSupervise_StopsTheProgramThenExits()
    {
        await using var d = new SupervisedDir();
        var sv = d.StartForeground("-f", "sleep 600");
        var pid = await d.WaitForPidAsync(p => p > 0);
        _ = Trellis.OsProcess.Native.Libc.kill(sv.Id, 15);
        await sv.WaitForExitAsync().WaitAsync(SupervisedDir.Deadline);
        Assert.Equal(0, sv.ExitCode);
        Assert.False(SupervisedDir.Exists(pid));
    }

    [Fact]
    public async Task AFloodOfControlBytes_IsCoalesced_AndNeverHoldsBackRestartsOrSigterm()
    {
        await using var d = new SupervisedDir();
        var sv = d.StartForeground("-f", "sleep 600", "--restart-delay", "0");
        var first = await d.WaitForPidAsync(p => p > 0);

        // 5,000 kills in one write (the FIFO holds them all): one kill, one restart, at once.
        var started = System.Diagnostics.Stopwatch.StartNew();
        d.Control(new string('k', 5000));
        var second = await d.WaitForNewPidAsync(first);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(3), $"the restart took {started.Elapsed}");
        Assert.False(SupervisedDir.Exists(first));
        await d.WaitUntilAsync(() => d.Log.Contains("control 'k'", StringComparison.Ordinal), "the kill in the log");
        Assert.InRange(d.Log.Split('\n').Count(l => l.Contains("control 'k'", StringComparison.Ordinal)), 1, 3);

        // Floods of alternating bytes are cut at the gate, and SIGTERM still stops supervise promptly.
        for (var i = 0; i < 9; i++)
        {
            d.Control(string.Concat(Enumerable.Repeat("ah", 2500)));
        }

        Assert.False(sv.HasExited);
        started.Restart();
        Assert.Equal(0, Libc.kill(sv.Id, Signals.Term));
        await sv.WaitForExitAsync().WaitAsync(SupervisedDir.Deadline);
        Assert.Equal(0, sv.ExitCode);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"SIGTERM took {started.Elapsed}");
        Assert.False(SupervisedDir.Exists(second));
    }

    [Fact]
    public async Task SuperviseKilledWithSigkill_NextSuperviseStopsTheLeftoverFirst()
    {
        await using var d = new SupervisedDir();
        var sv = d.StartForeground("-f", "sleep 600");
        var old = await d.WaitForPidAsync(p => p > 0);
        sv.Kill();
        await sv.WaitForExitAsync();
        Assert.True(SupervisedDir.Exists(old), "the program outlives a supervise killed with SIGKILL");

        d.StartForeground("-f", "sleep 600");
        var fresh = await d.WaitForNewPidAsync(old);
        Assert.False(SupervisedDir.Exists(old));
        Assert.Contains($"found pid {old} left running by a previous supervise", d.Log, StringComparison.Ordinal);
        Assert.NotEqual(old, fresh);
    }

    [Fact]
    public async Task MissingProgram_IsLoggedAndRetriedWithoutBusyLooping()
    {
        await using var d = new SupervisedDir();
        d.StartForeground("-f", "/nonexistent/program", "--restart-delay", "0");
        await d.WaitUntilAsync(() => d.WarningLog.Contains("unable to start", StringComparison.Ordinal), "the start failure");
        Assert.Contains("/nonexistent/program: No such file or directory; retrying in 1 s", d.WarningLog, StringComparison.Ordinal);
        await d.WaitUntilAsync(() => d.WarningLog.Contains("retrying in 2 s", StringComparison.Ordinal), "the second, longer wait");
        Assert.Equal(2, d.WarningLog.Split('\n').Count(l => l.Contains("unable to start", StringComparison.Ordinal)));
    }
}
