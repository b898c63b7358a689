using Trellis.Supervise;

namespace Trellis.Supervise.Tests;

/// <summary>The exit-path warm-up compiles what it is given and skips what cannot be compiled ahead, without failing.</summary>
public sealed class WarmupTests
{
    [Fact]
    public void Prepare_CompilesTheMethodsOfTheExitPath_AndSkipsOpenGenerics()
    {
        var compiled = ExitPathWarmup.Prepare(ExitPathWarmup.OsProcessTypes);

        // Hundreds of methods (the process, server, reaper and their state machines), and again without harm.
        Assert.InRange(compiled, 200, 5000);
        Assert.Equal(compiled, ExitPathWarmup.Prepare(ExitPathWarmup.OsProcessTypes));
        Assert.Equal(0, ExitPathWarmup.Prepare([typeof(List<>)]));
    }
}
