using System.Globalization;

namespace Trellis.OsProcess;

/// <summary>What a set of processes uses now: how many there are, their threads, resident memory, open descriptors, and CPU time so far.</summary>
/// <param name="Processes">The live processes counted.</param>
/// <param name="Threads">Their threads.</param>
/// <param name="RssBytes">Their resident memory, in bytes (shared pages count in each process, as <c>ps</c> shows them).</param>
/// <param name="OpenFiles">Their open file descriptors (those this process may look at).</param>
/// <param name="CpuSeconds">CPU time, user and system, of the live processes and of the children they have reaped.</param>
public readonly record struct ResourceUsage(int Processes, int Threads, long RssBytes, int OpenFiles, double CpuSeconds)
{
    private const double TicksPerSecond = 100;

    /// <summary>The sum of what <paramref name="pids"/> use; a pid that is gone counts nothing.</summary>
    /// <param name="pids">The processes.</param>
    /// <returns>The sum.</returns>
    public static ResourceUsage Of(IEnumerable<int> pids)
    {
        ArgumentNullException.ThrowIfNull(pids);
        var sum = default(ResourceUsage);
        foreach (var pid in pids)
        {
            if (Read(pid) is { } one)
            {
                sum += one.Usage;
            }
        }

        return sum;
    }

    /// <summary>
    /// What each of <paramref name="sessions"/> uses, from one pass over /proc: every live process whose session is one
    /// of them (a program Trellis starts leads its own session, so this is the program and the descendants that stayed).
    /// </summary>
    /// <param name="sessions">Session ids (the programs' pids).</param>
    /// <returns>The usage per session; a session with no live process is absent.</returns>
    public static IReadOnlyDictionary<int, ResourceUsage> OfSessions(IReadOnlyCollection<int> sessions)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        var wanted = new HashSet<int>(sessions);
        var result = new Dictionary<int, ResourceUsage>();
        if (wanted.Count == 0)
        {
            return result;
        }

        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir.AsSpan()), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && Read(pid, wanted) is { } one)
            {
                result[one.Session] = result.GetValueOrDefault(one.Session) + one.Usage;
            }
        }

        return result;
    }

    /// <summary>The sum of two usages.</summary>
    /// <param name="a">One.</param>
    /// <param name="b">The other.</param>
    /// <returns>The sum.</returns>
    public static ResourceUsage operator +(ResourceUsage a, ResourceUsage b) =>
        new(a.Processes + b.Processes, a.Threads + b.Threads, a.RssBytes + b.RssBytes, a.OpenFiles + b.OpenFiles, a.CpuSeconds + b.CpuSeconds);

    /// <summary>The sum of two usages.</summary>
    /// <param name="other">The other.</param>
    /// <returns>The sum.</returns>
    public ResourceUsage Add(ResourceUsage other) => this + other;

    /// <summary>This usage with <paramref name="cpuSeconds"/> as its CPU time (a cgroup's count, which keeps exited members' time).</summary>
    /// <param name="cpuSeconds">The CPU time.</param>
    /// <returns>The usage.</returns>
    public ResourceUsage WithCpuSeconds(double cpuSeconds) => this with { CpuSeconds = cpuSeconds };

    private static (int Session, ResourceUsage Usage)? Read(int pid, HashSet<int>? sessions = null)
    {
        try
        {
            var p = pid.ToString(CultureInfo.InvariantCulture);
            var stat = File.ReadAllText("/proc/" + p + "/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

            // After "pid (comm) ": state(0) ppid(1) pgrp(2) session(3) ... utime(11) stime(12) cutime(13) cstime(14)
            // ... num_threads(17) ... rss(21), in pages; times in clock ticks.
            var session = int.Parse(fields[3], CultureInfo.InvariantCulture);
            if (fields[0] == "Z" || (sessions is not null && !sessions.Contains(session)))
            {
                return null;
            }

            var ticks = 0L;
            for (var i = 11; i <= 14; i++)
            {
                ticks += long.Parse(fields[i], CultureInfo.InvariantCulture);
            }

            var files = 0;
            try
            {
                files = Directory.EnumerateFileSystemEntries("/proc/" + p + "/fd").Count();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Another user's process: its descriptors are not ours to count.
            }

            return (session, new ResourceUsage(
                1,
                int.Parse(fields[17], CultureInfo.InvariantCulture),
                long.Parse(fields[21], CultureInfo.InvariantCulture) * Environment.SystemPageSize,
                files,
                ticks / TicksPerSecond));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException or OverflowException)
        {
            return null;
        }
    }
}
