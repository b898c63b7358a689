namespace Trellis.OsProcess.Tests;

/// <summary>The lifeline watchdog's input, line by line (the process-level behaviour is tested with the daemon's cluster mode).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LifelineTests
{
    [Fact]
    public void Lines_set_the_deadline_and_the_watched_programs()
    {
        var watched = new Dictionary<int, ulong>();
        long? deadline = null;
        Assert.Equal(LifelineWatchdog.Outcome.Ok, LifelineWatchdog.Apply("deadline 123456789", watched, ref deadline));
        Assert.Equal(123456789, deadline);

        // A live process is watched with its start time; a pid with no process is not.
        Assert.Equal(LifelineWatchdog.Outcome.Ok, LifelineWatchdog.Apply($"watch {Environment.ProcessId}", watched, ref deadline));
        Assert.Equal(ProcessStat.Of(Environment.ProcessId)!.Value.StartTicks, watched[Environment.ProcessId]);
        Assert.Equal(LifelineWatchdog.Outcome.Ok, LifelineWatchdog.Apply("watch 4194303", watched, ref deadline));
        Assert.Single(watched);
        Assert.Equal(LifelineWatchdog.Outcome.Ok, LifelineWatchdog.Apply($"unwatch {Environment.ProcessId}", watched, ref deadline));
        Assert.Empty(watched);
        Assert.Equal(LifelineWatchdog.Outcome.Released, LifelineWatchdog.Apply("release", watched, ref deadline));

        // With its start time, only that process: a line read late never takes a reused pid.
        var ticks = ProcessStat.Of(Environment.ProcessId)!.Value.StartTicks;
        Assert.Equal(LifelineWatchdog.Outcome.Ok, LifelineWatchdog.Apply($"watch {Environment.ProcessId} {ticks + 1}", watched, ref deadline));
        Assert.Empty(watched);
        Assert.Equal(LifelineWatchdog.Outcome.Ok, LifelineWatchdog.Apply($"watch {Environment.ProcessId} {ticks}", watched, ref deadline));
        Assert.Equal(ticks, watched[Environment.ProcessId]);
    }

    [Theory]
    [InlineData("deadline soon")]
    [InlineData("deadline -5")]
    [InlineData("watch 1")]
    [InlineData("watch -3")]
    [InlineData("kill 42")]
    [InlineData("watch 42 soon")]
    [InlineData("")]
    public void Anything_else_is_refused(string line)
    {
        var watched = new Dictionary<int, ulong>();
        long? deadline = null;
        Assert.Equal(LifelineWatchdog.Outcome.Bad, LifelineWatchdog.Apply(line, watched, ref deadline));
        Assert.Null(deadline);
        Assert.Empty(watched);
    }

    [Fact]
    public void The_fifo_is_created_owner_only_and_removed_on_dispose()
    {
        var path = Path.Combine(Path.GetTempPath(), "lifeline-" + Guid.NewGuid().ToString("N"));
        var line = Lifeline.Create(path, out var error);
        Assert.NotNull(line);
        Assert.Null(error);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path) & (UnixFileMode)0x1FF);
        Assert.True(line.ActFor(TimeSpan.FromSeconds(5)));
        Assert.True(line.Watch(Environment.ProcessId));
        line.Dispose();
        Assert.False(File.Exists(path));
        Assert.False(line.Release());

        File.WriteAllText(path, "not a fifo");
        Assert.Null(Lifeline.Create(path, out error));
        Assert.Contains("is not a FIFO", error, StringComparison.Ordinal);
        File.Delete(path);
    }
}
