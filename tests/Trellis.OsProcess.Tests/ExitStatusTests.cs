using Trellis.Tests.Fakes;

namespace Trellis.OsProcess.Tests;

/// <summary>The exit reason says exactly what happened to the program.</summary>
public class ExitStatusTests
{
    private static async Task<ExitReason> RunAsync(ProgramSpec spec)
    {
        await using var probe = new Probe();
        var start = await ProgramChild.StartAsync(probe.Node, spec);
        Assert.True(start.IsOk, start.ToString());
        return await Probe.ExitOf(start.Pid);
    }

    [Fact]
    public async Task ExitZero_IsNormal() =>
        Assert.Equal(ExitReason.Normal, await RunAsync(new ProgramSpec { FileName = "true" }));

    [Fact]
    public async Task ExitCode_IsKeptApartFromSignals()
    {
        var reason = await RunAsync(ProgramSpec.Shell("exit 139"));
        Assert.Equal(ExitReasonKind.ExitCode, reason.Kind);
        Assert.Equal(139, reason.Code);
        Assert.Equal("{exit_code,139}", reason.ToString());
    }

    [Fact]
    public async Task Signal_IsReportedWithoutCore()
    {
        var reason = await RunAsync(ProgramSpec.Shell("kill -TERM $$"));
        Assert.Equal(ExitReason.FromSignal(Signals.Term, coreDumped: false), reason);
        Assert.Equal("{signal,15}", reason.ToString());
    }

    [Fact]
    public async Task CoreDump_IsReportedWhenTheCoreIsWritten()
    {
        // core_pattern is "core" on this kind of machine: the core lands in the working directory.
        var dir = OsCheck.TempDir();
        try
        {
            var spec = ProgramSpec.Shell("kill -SEGV $$") with { WorkingDirectory = dir, CoreLimit = ulong.MaxValue };
            var reason = await RunAsync(spec);
            Assert.Equal(ExitReasonKind.Signal, reason.Kind);
            Assert.Equal(Signals.Segv, reason.Code);
            var pattern = File.ReadAllText("/proc/sys/kernel/core_pattern").Trim();
            if (pattern == "core")
            {
                Assert.True(reason.CoreDumped, "core_pattern is 'core' and the limit unlimited, so a core must be written");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task WithoutCoreLimit_NoCoreIsDumped()
    {
        var reason = await RunAsync(ProgramSpec.Shell("ulimit -c 0; kill -SEGV $$"));
        Assert.Equal(ExitReason.FromSignal(Signals.Segv, coreDumped: false), reason);
    }

    [Fact]
    public async Task MissingProgram_IsAStartErrorNamingIt()
    {
        await using var probe = new Probe();
        var start = await ProgramChild.StartAsync(probe.Node, new ProgramSpec { FileName = "/nonexistent/prog" });
        Assert.True(start.IsError);
        var failure = Assert.IsType<SpawnFailure>(start.Error!.Detail);
        Assert.Equal("enoent", failure.ErrnoName);
        Assert.Equal("{spawn_failed,enoent,\"/nonexistent/prog\"}", failure.ToString());
    }

    [Fact]
    public async Task NotExecutable_IsEacces()
    {
        var dir = OsCheck.TempDir();
        try
        {
            var file = Path.Combine(dir, "script");
            await File.WriteAllTextAsync(file, "#!/bin/sh\n");
            await using var probe = new Probe();
            var start = await ProgramChild.StartAsync(probe.Node, new ProgramSpec { FileName = file });
            Assert.Equal("eacces", Assert.IsType<SpawnFailure>(start.Error!.Detail).ErrnoName);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
