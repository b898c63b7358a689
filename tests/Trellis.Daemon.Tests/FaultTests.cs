using System.Globalization;
using Trellis.OsProcess;

namespace Trellis.Daemon.Tests;

/// <summary>
/// Whatever kills the daemon, nothing it started keeps running unsupervised, and nothing runs twice: a SIGKILLed
/// daemon's programs and their grandchildren are found and stopped by the next daemon on the same state directory
/// before it starts its own.
/// </summary>
public sealed class FaultTests
{
    [Fact]
    public async Task After_a_SIGKILL_the_next_daemon_stops_every_leftover_with_its_grandchildren_before_starting_one_copy_of_each()
    {
        // Unique arguments, so /proc tells this test's programs from every other's.
        var mark = Random.Shared.Next(100_000, 900_000);
        string Leader(int i) => (mark + i).ToString(CultureInfo.InvariantCulture);
        string Grandchild(int i) => (mark + 100 + i).ToString(CultureInfo.InvariantCulture);
        var yaml = "name: faults\nchildren:\n" + string.Concat(Enumerable.Range(1, 5).Select(i => i <= 3
            ? $"  - service: s{i}\n    command: [sh, -c, 'sleep {Grandchild(i)} & exec sleep {Leader(i)}']\n"
            : $"  - service: s{i}\n    command: [sleep, \"{Leader(i)}\"]\n"));
        var marks = Enumerable.Range(1, 5).Select(Leader).Concat(Enumerable.Range(1, 3).Select(Grandchild)).ToList();
        var all = new List<int>();
        try
        {
            await using var first = await DaemonProcess.StartAsync(yaml);
            await first.WaitForAsync(() => Task.FromResult(marks.All(m => Sleeps(m).Count == 1)), "five programs and three grandchildren");
            var before = marks.ToDictionary(m => m, m => Assert.Single(Sleeps(m)));
            all.AddRange(before.Values);

            // SIGKILL: the daemon stops nothing. Its eight processes live on, orphaned: the case this guards against.
            await first.KillAsync();
            Assert.All(before.Values, pid => Assert.True(Live(pid), $"pid {pid} should outlive the killed daemon until the next one comes"));

            await using var second = await DaemonProcess.StartAgainAsync(first);
            all.AddRange(marks.SelectMany(Sleeps));

            // Every old process is gone, and each program and grandchild runs exactly once, as a new process.
            Assert.All(before.Values, pid => Assert.False(Live(pid), $"pid {pid} of the killed daemon still runs"));
            await second.WaitForAsync(() => Task.FromResult(marks.All(m => Sleeps(m).Count == 1)), "one new copy of each");
            foreach (var m in marks)
            {
                Assert.NotEqual(before[m], Assert.Single(Sleeps(m)));
            }

            Assert.Equal(5, second.Output.Split('\n').Count(l => l.Contains("left running by a daemon that was killed", StringComparison.Ordinal)));
            for (var i = 1; i <= 5; i++)
            {
                Assert.Equal(await second.OsPidAsync($"s{i}"), Assert.Single(Sleeps(Leader(i))));
            }
        }
        finally
        {
            foreach (var pid in all.Where(Live))
            {
                _ = OsProcess.Native.Libc.kill(pid, OsProcess.Signals.Kill);
            }
        }
    }

    [Fact]
    public async Task A_record_whose_process_is_gone_or_was_replaced_is_left_alone()
    {
        await using var d = await DaemonProcess.StartAsync("""
            name: records
            children:
              - service: a
                command: [sleep, "1000"]
            """);
        var dir = Path.Combine(d.StateDir, "a");
        var pid = await d.OsPidAsync("a");
        Assert.Equal(pid, Runtime.ProgramRecord.FindRunning(dir));

        // The same pid with another start time is another process: never taken for the program.
        var stat = ProcessStat.Of(pid)!.Value;
        File.WriteAllText(Path.Combine(dir, "program"), $"{pid} {stat.StartTicks + 1}\n");
        Assert.Equal(0, Runtime.ProgramRecord.FindRunning(dir));
        File.WriteAllText(Path.Combine(dir, "program"), "garbage\n");
        Assert.Equal(0, Runtime.ProgramRecord.FindRunning(dir));
    }

    [Fact]
    public async Task A_flood_of_control_bytes_is_one_command_and_never_delays_the_daemon()
    {
        await using var d = await DaemonProcess.StartAsync("""
            name: flood
            children:
              - service: a
                command: [sleep, "1000"]
            """);
        var pid = await d.OsPidAsync("a");
        await WriteControlAsync(Path.Combine(d.StateDir, "a", "control"), new string('k', 5000));
        await d.WaitForAsync(async () => await d.OsPidAsync("a") is var p && p != 0 && p != pid, "the restart");
        Assert.False(Live(pid));
        var restarts = (await d.NodeAsync("a")).GetProperty("restarts").GetInt32();
        Assert.InRange(restarts, 1, 2);
        Assert.Equal(0, (await d.CtlAsync("status", "a")).Code);
    }

    [Fact]
    public async Task A_program_s_exit_is_its_exit_even_while_a_setsid_grandchild_holds_its_pipes()
    {
        var mark = Random.Shared.Next(100_000, 900_000).ToString(CultureInfo.InvariantCulture);
        try
        {
            // Without cgroups the grandchild that left the program's group lives on after the program's exit.
            await using var d = await DaemonProcess.StartAsync($$"""
                name: holder
                cgroups: off
                children:
                  - service: a
                    restart: transient
                    command: [sh, -c, 'echo "last words"; setsid sleep {{mark}} & while [ "$(cut -d" " -f5 /proc/$!/stat)" = "$$" ]; do sleep 0.01; done; exit 0']
                """);
            // sh exits only once the grandchild has left its group (pgrp, the fifth field of /proc/PID/stat, is no
            // longer sh's): else, under load, the group's kill at sh's exit could take it before its setsid().
            // The grandchild is `setsid` until it execs sleep: wait for both, the exit and the holder as sleep.
            await d.WaitForAsync(
                async () => (await d.NodeAsync("a")).GetProperty("status").GetString() == "exited" && Sleeps(mark).Count == 1,
                "a's exit, with the grandchild still holding its pipes");
            Assert.Single(Sleeps(mark));
            Assert.Contains("last words", (await d.CtlAsync("logs", "a")).Out, StringComparison.Ordinal);
            Assert.Equal("exited normally", (await d.NodeAsync("a")).GetProperty("last_exit").GetString());
        }
        finally
        {
            foreach (var pid in Sleeps(mark))
            {
                _ = OsProcess.Native.Libc.kill(pid, OsProcess.Signals.Kill);
            }
        }
    }

    // One write, as svc does; the daemon keeps the FIFO open for reading, so the open does not block.
    private static async Task WriteControlAsync(string fifo, string bytes) =>
        await File.WriteAllTextAsync(fifo, bytes).WaitAsync(DaemonProcess.Deadline);

    internal static bool Live(int pid) => ProcessStat.Of(pid) is { Zombie: false };

    /// <summary>Live processes whose command line is exactly <c>sleep ARG</c> (sleep by any path).</summary>
    internal static List<int> Sleeps(string arg) =>
        Processes((_, argv) => argv is [var program, var a] && Path.GetFileName(program) == "sleep" && a == arg);

    /// <summary>Live processes whose pid and command line <paramref name="match"/> accepts.</summary>
    internal static List<int> Processes(Func<int, string[], bool> match)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var argv = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
                if (match(pid, argv) && Live(pid))
                {
                    found.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }

        return found;
    }
}
