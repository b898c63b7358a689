using Trellis.Testing;

namespace Trellis.Tests;

/// <summary>The one window every restart limit counts with: OTP's boundary, <c>now - t &lt;= period</c>, in whole steps.</summary>
public class SlidingWindowTests
{
    [Fact]
    public void AnEventCountsUntilThePeriodHasPassedInWholeSeconds()
    {
        var time = new TestClock();
        var window = new SlidingWindow(time, TimeSpan.FromSeconds(5));
        Assert.Equal(1, window.Add());
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(1, window.Count());            // now - t == period: still counted
        Assert.Equal(2, window.Add());
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, window.Count());            // the first is 6 s old
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(0, window.Count());
    }

    [Fact]
    public void AZeroPeriodCountsOnlyTheCurrentStep()
    {
        var time = new TestClock();
        var window = new SlidingWindow(time, TimeSpan.Zero);
        window.Add();
        Assert.Equal(2, window.Add());
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, window.Add());
    }

    [Fact]
    public void AFinerResolutionCountsInItsSteps()
    {
        var time = new TestClock();
        var window = new SlidingWindow(time, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(1));
        window.Add();
        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(1, window.Count());
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, window.Count());
    }

    [Fact]
    public void BadArgumentsAreRefused()
    {
        var time = new TestClock();
        Assert.Throws<ArgumentOutOfRangeException>(() => new SlidingWindow(time, TimeSpan.FromSeconds(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SlidingWindow(time, TimeSpan.FromSeconds(1), TimeSpan.Zero));
    }
}
