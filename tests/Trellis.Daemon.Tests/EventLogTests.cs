using Trellis.Daemon.Runtime;

namespace Trellis.Daemon.Tests;

/// <summary>The event record's restart chart: counts per bucket from a fixed ring of per-second counters.</summary>
public sealed class EventLogTests
{
    [Fact]
    public void Restart_buckets_count_each_restart_once_in_its_bucket_and_forget_what_is_older_than_the_window()
    {
        var time = new Trellis.Testing.TestClock(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var log = new EventLog(time);
        log.Add("a", "restarting", "pid 1");
        log.Add("a", "crashed", "not a restart");
        time.Advance(TimeSpan.FromSeconds(15));
        log.Add("b", "restarting", "pid 2");
        log.Add("b", "restarting", "pid 3");
        time.Advance(TimeSpan.FromSeconds(5));

        // Window 60 s in 10 s buckets, oldest first: the first restart is 20 s old (bucket 20-30 s), the other two 5 s.
        Assert.Equal([0, 0, 0, 1, 0, 2], log.RestartBuckets(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(10)));
        Assert.Equal(3, log.RestartTotal);

        // An hour and more later the ring's slots have other seconds: nothing is counted twice or left over.
        time.Advance(TimeSpan.FromHours(1));
        log.Add("c", "restarting", "pid 4");
        Assert.Equal([0, 0, 0, 0, 0, 1], log.RestartBuckets(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(10)));
        Assert.Equal(1, log.RestartBuckets(TimeSpan.FromHours(1), TimeSpan.FromMinutes(10)).Sum());
    }
}
