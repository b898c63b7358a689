using System.Globalization;
using Trellis.Tests.Fakes;

namespace Trellis.OsProcess.Tests;

/// <summary>The world a program starts in: its own session, clean signals, only fds 0-2, the given environment.</summary>
public class SpawnTests
{
    private static async Task<(ExitReason Reason, List<string> Lines)> CaptureAsync(ProgramSpec spec)
    {
        var lines = new EventLog();
        await using var probe = new Probe();
        var start = await ProgramChild.StartAsync(probe.Node, spec with { StandardOutput = OutputTarget.Lines(lines.Add) });
        Assert.True(start.IsOk, start.ToString());
        var reason = await Probe.ExitOf(start.Pid);
        return (reason, lines.Snapshot().ToList());
    }

    [Fact]
    public async Task Output_LinesLongerThanTheLimit_ArePassedOnInPiecesOfTheLimit_AndNothingIsLost()
    {
        // 40,000 bytes without a newline, then "end": pieces of 16 KiB, 16 KiB and the rest, then the next line.
        var (_, lines) = await CaptureAsync(ProgramSpec.Shell("head -c 40000 /dev/zero | tr '\\0' x; echo; echo end"));
        Assert.Equal([16 * 1024, 16 * 1024, 40000 - 32 * 1024], lines.Take(3).Select(l => l.Length));
        Assert.All(lines.Take(3), l => Assert.All(l, c => Assert.Equal('x', c)));
        Assert.Equal("end", lines[3]);
        Assert.Equal(4, lines.Count);
    }

    [Fact]
    public async Task Program_LeadsItsOwnSessionAndGroup()
    {
        // ps prints the shell's own pid, process group and session.
        var (_, lines) = await CaptureAsync(ProgramSpec.Shell("echo $$ $(ps -o pgid= -p $$) $(ps -o sid= -p $$)"));
        var parts = lines.Single().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(parts[0], parts[1]);
        Assert.Equal(parts[0], parts[2]);
    }

    [Fact]
    public async Task Program_HasNoIgnoredOrBlockedSignals()
    {
        // .NET ignores SIGPIPE in its own process; the program must not inherit that.
        // grep is the program itself (no shell, which blocks signals while it waits for its own children).
        var (_, lines) = await CaptureAsync(new ProgramSpec { FileName = "grep", Arguments = ["-E", "^Sig(Ign|Blk)", "/proc/self/status"] });
        var ignored = ulong.Parse(lines.Single(l => l.StartsWith("SigIgn", StringComparison.Ordinal))[7..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var blocked = ulong.Parse(lines.Single(l => l.StartsWith("SigBlk", StringComparison.Ordinal))[7..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        Assert.Equal(0UL, ignored & 0xFFFF_FFFFUL & ~(1UL << 31) & ~(1UL << 32));
        Assert.Equal(0UL, blocked);
    }

    [Fact]
    public async Task Program_InheritsOnlyStandardDescriptors()
    {
        var (_, lines) = await CaptureAsync(new ProgramSpec { FileName = "/bin/ls", Arguments = ["/proc/self/fd"] });
        // ls itself opens the directory it lists (fd 3).
        Assert.Equal(["0", "1", "2", "3"], lines.OrderBy(l => l, StringComparer.Ordinal));
    }

    [Fact]
    public async Task Environment_IsInheritedAndOverridden()
    {
        var spec = ProgramSpec.Shell("echo \"$TRELLIS_A|${HOME:-none}|${PATH:+path}\"") with
        {
            Environment = new Dictionary<string, string?> { ["TRELLIS_A"] = "one", ["HOME"] = null },
        };
        var (_, lines) = await CaptureAsync(spec);
        Assert.Equal("one|none|path", lines.Single());
    }

    [Fact]
    public async Task Environment_CanStartEmpty()
    {
        var spec = new ProgramSpec { FileName = "/usr/bin/env", InheritEnvironment = false, Environment = new Dictionary<string, string?> { ["ONLY"] = "1" } };
        var (_, lines) = await CaptureAsync(spec);
        Assert.Equal(["ONLY=1"], lines);
    }

    [Fact]
    public async Task WorkingDirectory_IsApplied()
    {
        var dir = OsCheck.TempDir();
        try
        {
            var (_, lines) = await CaptureAsync(new ProgramSpec { FileName = "pwd", WorkingDirectory = dir });
            Assert.Equal(dir, lines.Single());
        }
        finally
        {
            Directory.Delete(dir);
        }
    }

    [Fact]
    public async Task MissingWorkingDirectory_IsAStartError()
    {
        await using var probe = new Probe();
        var start = await ProgramChild.StartAsync(probe.Node, new ProgramSpec { FileName = "pwd", WorkingDirectory = "/nonexistent-dir" });
        var failure = Assert.IsType<SpawnFailure>(start.Error!.Detail);
        Assert.Contains("working directory", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Output_IsAppendedToFiles()
    {
        var dir = OsCheck.TempDir();
        try
        {
            var outFile = Path.Combine(dir, "out");
            var errFile = Path.Combine(dir, "err");
            await File.WriteAllTextAsync(outFile, "before\n");
            var spec = ProgramSpec.Shell("echo out; echo err >&2") with
            {
                StandardOutput = OutputTarget.AppendTo(outFile),
                StandardError = OutputTarget.AppendTo(errFile),
            };
            await using var probe = new Probe();
            var start = await ProgramChild.StartAsync(probe.Node, spec);
            Assert.Equal(ExitReason.Normal, await Probe.ExitOf(start.Pid));
            Assert.Equal("before\nout\n", await File.ReadAllTextAsync(outFile));
            Assert.Equal("err\n", await File.ReadAllTextAsync(errFile));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task CoreLimit_IsSetForTheProgramOnly()
    {
        var (_, lines) = await CaptureAsync(ProgramSpec.Shell("ulimit -c") with { CoreLimit = ulong.MaxValue });
        Assert.Equal("unlimited", lines.Single());
        var (_, again) = await CaptureAsync(ProgramSpec.Shell("ulimit -c"));
        Assert.NotEqual("unlimited", again.Single());
    }

    [Fact]
    public async Task User_NeedsRootOrNamesAUser()
    {
        await using var probe = new Probe();
        var start = await ProgramChild.StartAsync(probe.Node, new ProgramSpec { FileName = "id", User = "no-such-user-xyz" });
        var failure = Assert.IsType<SpawnFailure>(start.Error!.Detail);
        Assert.Contains("no such user", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task User_SwitchesUserAndEnvironmentWhenRoot()
    {
        if (Environment.UserName != "root")
        {
            return; // Switching users is only possible as root; the refusal is checked above.
        }

        var (reason, lines) = await CaptureAsync(ProgramSpec.Shell("echo $(id -u) $(id -g) $HOME $USER") with { User = "nobody" });
        Assert.Equal(ExitReason.Normal, reason);
        Assert.Equal("65534 65534 /nonexistent nobody", lines.Single());
    }

    [Fact]
    public void CommandLine_SplitsLikeAShellWithoutExpanding()
    {
        Assert.True(ProgramSpec.TryParse("python 'app one.py' \"a \\\"b\\\"\" c\\ d $HOME", out var spec, out _));
        Assert.Equal("python", spec!.FileName);
        Assert.Equal(["app one.py", "a \"b\"", "c d", "$HOME"], spec.Arguments);
        Assert.False(ProgramSpec.TryParse("echo 'open", out _, out var error));
        Assert.Contains("single quote", error, StringComparison.Ordinal);
        Assert.False(ProgramSpec.TryParse("   ", out _, out error));
        Assert.Equal("the command is empty", error);
    }
}
