using Trellis.Testing;

namespace Trellis.Tests;

/// <summary>The test clock: FakeTimeProvider's timers, counted while armed, and waits for them.</summary>
public sealed class TestClockTests
{
    [Fact]
    public async Task Timers_count_while_armed_and_a_wait_ends_when_enough_are()
    {
        var clock = new TestClock();
        var waiting = clock.WaitForTimersAsync(2);
        var fired = 0;
        using var once = clock.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        Assert.False(waiting.IsCompleted);
        using var periodic = clock.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, clock.ActiveTimers);

        // A one-shot that fired is no longer armed; a periodic one stays armed; a stopped one is not.
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(2, fired);
        Assert.Equal(1, clock.ActiveTimers);
        periodic.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Assert.Equal(0, clock.ActiveTimers);
        once.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        Assert.Equal(1, clock.ActiveTimers);
        once.Dispose();
        Assert.Equal(0, clock.ActiveTimers);
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(2, fired);
    }

    [Fact]
    public async Task A_wait_for_timers_that_never_come_fails_at_its_deadline()
    {
        var clock = new TestClock();
        await Assert.ThrowsAsync<TimeoutException>(() => clock.WaitForTimersAsync(1, TimeSpan.FromMilliseconds(50)));
    }
}
