using Trellis.Internal;

namespace Trellis.Tests;

/// <summary>The supervisor's decisions as plain functions, without processes.</summary>
public class RestartPolicyTests
{
    public static TheoryData<RestartType, string, bool> Restarts => new()
    {
        { RestartType.Permanent, "normal", true },
        { RestartType.Permanent, "shutdown", true },
        { RestartType.Permanent, "crash", true },
        { RestartType.Transient, "normal", false },
        { RestartType.Transient, "shutdown", false },
        { RestartType.Transient, "shutdown_with", false },
        { RestartType.Transient, "crash", true },
        { RestartType.Transient, "killed", true },
        { RestartType.Temporary, "crash", false },
        { RestartType.Temporary, "normal", false },
    };

    [Theory]
    [MemberData(nameof(Restarts))]
    public void ShouldRestart_FollowsTheRestartType(RestartType type, string reason, bool restarted) =>
        Assert.Equal(restarted, RestartPolicy.ShouldRestart(type, Reason(reason)));

    [Theory]
    [InlineData(Strategy.OneForOne, 1, 3, 1, 2)]
    [InlineData(Strategy.SimpleOneForOne, 0, 1, 0, 1)]
    [InlineData(Strategy.RestForOne, 1, 3, 1, 3)]
    [InlineData(Strategy.RestForOne, 2, 3, 2, 3)]
    [InlineData(Strategy.OneForAll, 2, 3, 0, 3)]
    public void Group_IsTheChildItsYoungerSiblingsOrAll(Strategy strategy, int index, int count, int from, int to)
    {
        var (offset, length) = RestartPolicy.Group(strategy, index, count).GetOffsetAndLength(count);
        Assert.Equal((from, to), (offset, offset + length));
    }

    [Fact]
    public void Group_RefusesAPositionOutsideTheList() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => RestartPolicy.Group(Strategy.OneForAll, 3, 3));

    [Theory]
    [InlineData(0, 0, true)]
    [InlineData(1, 0, false)]
    [InlineData(3, 3, true)]
    [InlineData(4, 3, false)]
    public void IntensityAllows_AtMostIntensityRestartsInTheWindow(int inWindow, int intensity, bool allowed) =>
        Assert.Equal(allowed, RestartPolicy.IntensityAllows(inWindow, intensity));

    [Theory]
    [InlineData(AutoShutdown.Never, true, false, false)]
    [InlineData(AutoShutdown.AnySignificant, false, false, false)]
    [InlineData(AutoShutdown.AnySignificant, true, true, true)]
    [InlineData(AutoShutdown.AllSignificant, true, true, false)]
    [InlineData(AutoShutdown.AllSignificant, true, false, true)]
    [InlineData(AutoShutdown.AllSignificant, false, false, false)]
    public void AutoShutdownDue_OnlyForASignificantChild(AutoShutdown mode, bool significant, bool othersRunning, bool due) =>
        Assert.Equal(due, RestartPolicy.AutoShutdownDue(mode, significant, othersRunning));

    [Fact]
    public void KeepsSpec_UnlessTemporary()
    {
        Assert.True(RestartPolicy.KeepsSpec(RestartType.Permanent));
        Assert.True(RestartPolicy.KeepsSpec(RestartType.Transient));
        Assert.False(RestartPolicy.KeepsSpec(RestartType.Temporary));
    }

    [Fact]
    public void OfStart_PassesWhatIsNotAPidThroughAsTheError()
    {
        Assert.Equal("{error,undefined}", RestartPolicy.OfStart(null).ToString());
        Assert.Equal("{error,{ok,undefined}}", RestartPolicy.OfStart(StartResult.Ok(Pid.None)).ToString());
        Assert.Same(StartResult.Ignore, RestartPolicy.OfStart(StartResult.Ignore));
        var failed = StartResult.Fail(ExitReason.Atom("econnrefused"));
        Assert.Same(failed, RestartPolicy.OfStart(failed));
    }

    [Theory]
    [InlineData(RestartType.Permanent, "shutdown", false, true)]
    [InlineData(RestartType.Permanent, "killed", true, true)]
    [InlineData(RestartType.Permanent, "killed", false, false)]
    [InlineData(RestartType.Permanent, "normal", false, false)]
    [InlineData(RestartType.Permanent, "shutdown_with", false, false)]
    [InlineData(RestartType.Transient, "normal", false, true)]
    [InlineData(RestartType.Temporary, "shutdown_with", true, true)]
    [InlineData(RestartType.Temporary, "crash", false, false)]
    public void IsExpectedShutdownReason_AsTheProtocolExpects(RestartType type, string reason, bool brutal, bool expected) =>
        Assert.Equal(expected, RestartPolicy.IsExpectedShutdownReason(type, Reason(reason), brutal));

    private static ExitReason Reason(string name) => name switch
    {
        "normal" => ExitReason.Normal,
        "shutdown" => ExitReason.Shutdown,
        "shutdown_with" => ExitReason.ShutdownWith("why"),
        "killed" => ExitReason.Killed,
        _ => ExitReason.FromException(new InvalidOperationException(name)),
    };
}
