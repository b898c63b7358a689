using System.Diagnostics;
using System.Globalization;
using Trellis.OsProcess.ControlGroups;
using Trellis.OsProcess.Native;

namespace Trellis.OsProcess;

/// <summary>
/// A control group for one program and everything it starts: its members cannot leave it (a grandchild that calls
/// <c>setsid</c> stays in), so <see cref="KillAsync"/> ends all of them, and it carries the program's
/// <see cref="ResourceLimits"/>. Set it as <see cref="ProgramSpec.ControlGroup"/> and the program is spawned inside.
/// </summary>
/// <remarks>
/// A group is a directory below this process's own group in each hierarchy it uses: the unified (v2) hierarchy when one
/// is mounted and writable (its <c>cgroup.kill</c> ends every member at once), and a v1 hierarchy for each controller
/// the v2 one does not offer (always <c>pids</c>, for membership; <c>memory</c> and <c>cpu</c> when a limit needs
/// them). The spawning thread joins the v1 groups for the instant of <c>posix_spawn</c>, so the program is in them from
/// its first instruction; the v2 group (which moves whole processes only) is joined right after the spawn, and a
/// process the program forked before that is still caught through its v1 groups.
/// </remarks>
public sealed class ControlGroup
{
    private static readonly Lock SpawnLock = new();
    private readonly CgroupLayout _layout;
    private readonly string? _v2;
    private readonly Dictionary<string, string> _v1;

    private ControlGroup(CgroupLayout layout, string path, string? v2, Dictionary<string, string> v1, ResourceLimits limits)
    {
        _layout = layout;
        Path = path;
        _v2 = v2;
        _v1 = v1;
        Limits = limits;
    }

    /// <summary>The group's path below this process's own group, such as <c>trellis-1a2b/web</c>.</summary>
    public string Path { get; }

    /// <summary>The limits it was created with.</summary>
    public ResourceLimits Limits { get; }

    /// <summary>Its directories, v2 first: where its files are.</summary>
    public IReadOnlyList<string> Directories => [.. (_v2 is null ? [] : new[] { _v2 }), .. _v1.Values];

    /// <summary>What this host offers, for a log line: the hierarchies and their controllers.</summary>
    public static string HostDescription => CgroupLayout.Host.Describe();

    /// <summary>
    /// Creates the group at <paramref name="path"/> (parents included) in every hierarchy it needs and sets
    /// <paramref name="limits"/>. A limit whose controller no hierarchy offers is not enforced and is named in
    /// <paramref name="warnings"/>.
    /// </summary>
    /// <param name="path">Its path below this process's own group: names of letters, digits, '.', '_' and '-', split by '/'.</param>
    /// <param name="limits">Its limits.</param>
    /// <param name="group">The group.</param>
    /// <param name="warnings">Limits that are not enforced, and why.</param>
    /// <returns>Null, or why no group could be created (no hierarchy is mounted, or none is writable).</returns>
    public static string? TryCreate(string path, ResourceLimits? limits, out ControlGroup? group, out IReadOnlyList<string> warnings) =>
        TryCreate(CgroupLayout.Host, path, limits, out group, out warnings);

    internal static string? TryCreate(CgroupLayout layout, string path, ResourceLimits? limits, out ControlGroup? group, out IReadOnlyList<string> warnings)
    {
        limits ??= ResourceLimits.None;
        group = null;
        var notes = new List<string>();
        warnings = notes;
        if (!ValidPath(path))
        {
            return $"'{path}' is not a cgroup path (names of letters, digits, '.', '_' and '-', split by '/')";
        }

        string? v2 = null;
        var errors = new List<string>();
        if (layout.V2Dir is { } v2Own)
        {
            var needed = new List<string>();
            foreach (var (controller, wanted) in new[] { ("memory", limits.MemoryMax is not null), ("cpu", limits.CpuMax is not null || limits.CpuWeight is not null), ("pids", true) })
            {
                if (wanted && layout.V2Controllers.Contains(controller))
                {
                    needed.Add(controller);
                }
            }

            v2 = MakeDirectories(v2Own, path, needed, errors);
        }

        var v1 = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (controller, wanted) in new[]
                 {
                     ("pids", true), ("memory", limits.MemoryMax is not null), ("cpu", limits.CpuMax is not null || limits.CpuWeight is not null),
                     ("cpuacct", v2 is null),
                 })
        {
            if (wanted && (v2 is null || !layout.V2Controllers.Contains(controller)) && layout.V1Dirs.TryGetValue(controller, out var own)
                && MakeDirectories(own, path, [], errors) is { } dir)
            {
                v1[controller] = dir;
            }
        }

        if (v2 is null && v1.Count == 0)
        {
            return errors.Count > 0 ? string.Join("; ", errors) : "no cgroup hierarchy is mounted";
        }

        var g = new ControlGroup(layout, path, v2, v1, limits);
        g.ApplyLimits(notes);
        group = g;
        return null;
    }

    /// <summary>The pids of every process in the group, in no order.</summary>
    /// <returns>The pids.</returns>
    public IReadOnlyList<int> Processes()
    {
        var all = new HashSet<int>();
        foreach (var dir in Directories)
        {
            all.UnionWith(CgroupFile.ReadPids(System.IO.Path.Combine(dir, "cgroup.procs")));
        }

        // A thread of this process is in the v1 groups while it spawns into them: never a member to kill.
        all.Remove(Environment.ProcessId);
        return [.. all];
    }

    /// <summary>The CPU time the group's members have used, live and exited, in seconds; null when no hierarchy counts it.</summary>
    /// <returns>The seconds.</returns>
    public double? CpuSeconds()
    {
        if (_v2 is not null && CgroupFile.ReadKey(System.IO.Path.Combine(_v2, "cpu.stat"), "usage_usec") is { } usec)
        {
            return usec / 1e6;
        }

        return _v1.TryGetValue("cpuacct", out var acct) && CgroupFile.ReadNumber(System.IO.Path.Combine(acct, "cpuacct.usage")) is { } ns ? ns / 1e9 : null;
    }

    /// <summary>How many times the kernel's OOM killer has killed a member because of <see cref="ResourceLimits.MemoryMax"/>.</summary>
    /// <returns>The count; 0 without a memory limit.</returns>
    public long OomKills()
    {
        if (_v2 is not null && _layout.V2Controllers.Contains("memory") && Limits.MemoryMax is not null)
        {
            return CgroupFile.ReadKey(System.IO.Path.Combine(_v2, "memory.events"), "oom_kill") ?? 0;
        }

        return _v1.TryGetValue("memory", out var mem) ? CgroupFile.ReadKey(System.IO.Path.Combine(mem, "memory.oom_control"), "oom_kill") ?? 0 : 0;
    }

    /// <summary>
    /// SIGKILL to every member (v2's <c>cgroup.kill</c>, then each pid left in any hierarchy, again until none is left)
    /// and waits until the group is empty.
    /// </summary>
    /// <param name="timeout">How long to wait for the members to die.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>True when the group is empty.</returns>
    public Task<bool> KillAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Processes().Count == 0 ? Task.FromResult(true) : Task.Run(() => Kill(timeout, cancellationToken), cancellationToken);

    /// <summary>Kills every member (as <see cref="KillAsync"/>) and removes the group's directories.</summary>
    /// <param name="timeout">How long to wait for the members to die.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>Null, or why a directory could not be removed.</returns>
    public async Task<string?> RemoveAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (!await KillAsync(timeout, cancellationToken).ConfigureAwait(false))
        {
            return $"cgroup {Path}: a member outlived SIGKILL for {timeout.TotalSeconds:0.#} s";
        }

        return RemoveDirectories(Directories);
    }

    /// <summary>
    /// Kills and removes every group below <paramref name="path"/> and the group itself: what a supervisor killed by
    /// SIGKILL left behind. Nothing is done when it does not exist.
    /// </summary>
    /// <param name="path">The path below this process's own group.</param>
    /// <param name="timeout">How long to wait for members to die.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>How many processes were killed, and null or why a directory could not be removed.</returns>
    public static Task<(int Killed, string? Error)> RemoveTreeAsync(string path, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        ValidPath(path) ? Task.Run(() => RemoveTree(CgroupLayout.Host, path, timeout, cancellationToken), cancellationToken) : Task.FromResult((0, (string?)$"'{path}' is not a cgroup path"));

    /// <summary>Whether <paramref name="reason"/> says the kernel's OOM killer ended the program (<c>{oom_killed, ...}</c>).</summary>
    /// <param name="reason">An exit reason.</param>
    /// <returns>True for an OOM kill.</returns>
    public static bool IsOomKill(ExitReason reason) => reason is { Detail: ErrorTerm { Tag: "oom_killed" } };

    /// <summary>The exit reason of a program the OOM killer ended: <c>{oom_killed, {memory_max, Bytes}}</c>.</summary>
    internal ExitReason OomReason() => ExitReason.Of(new ErrorTerm("oom_killed", new ErrorTerm("memory_max", Limits.MemoryMax ?? 0)));

    /// <summary>
    /// Moves the calling thread into the group's v1 hierarchies for a spawn (the child is created in its parent
    /// thread's groups), under a lock held until <see cref="LeaveAfterSpawn"/>. Returns 0 or the errno of the move.
    /// </summary>
    internal int EnterForSpawn()
    {
        SpawnLock.Enter();

        // The spawning thread holds one of pids_max's slots while it is inside; the program must not lose it to us.
        SetPidsMax(extra: 1);
        var tid = Libc.gettid().ToString(CultureInfo.InvariantCulture);
        foreach (var dir in _v1.Values)
        {
            if (CgroupFile.Write(System.IO.Path.Combine(dir, "tasks"), tid) is var rc and not 0)
            {
                MoveBack(tid);
                SetPidsMax(extra: 0);
                SpawnLock.Exit();
                return rc;
            }
        }

        return 0;
    }

    /// <summary>Puts the calling thread back in this process's own groups and, when a program was spawned, moves it into the v2 group.</summary>
    internal void LeaveAfterSpawn(int pid)
    {
        try
        {
            MoveBack(Libc.gettid().ToString(CultureInfo.InvariantCulture));
            SetPidsMax(extra: 0);
            if (pid > 0 && _v2 is not null)
            {
                // Best effort: a program that is already gone cannot move, and its v1 groups hold anything it forked.
                _ = CgroupFile.Write(System.IO.Path.Combine(_v2, "cgroup.procs"), pid.ToString(CultureInfo.InvariantCulture));
            }
        }
        finally
        {
            SpawnLock.Exit();
        }
    }

    // pids_max in the v1 pids group the spawning thread joins, with room for that thread while it is there.
    private void SetPidsMax(int extra)
    {
        if (Limits.PidsMax is { } max && _v1.TryGetValue("pids", out var dir))
        {
            _ = CgroupFile.Write(System.IO.Path.Combine(dir, "pids.max"), (max + extra).ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>SIGKILL to every member without waiting: for a path that cannot wait (an untrappable kill of the owner).</summary>
    internal void SignalAll()
    {
        if (_v2 is not null)
        {
            _ = CgroupFile.Write(System.IO.Path.Combine(_v2, "cgroup.kill"), "1");
        }

        foreach (var pid in Processes())
        {
            var fd = Libc.pidfd_open(pid, 0);
            if (fd >= 0)
            {
                _ = Libc.pidfd_send_signal(fd, Signals.Kill, 0, 0);
                _ = Libc.close(fd);
            }
        }
    }

    private void MoveBack(string tid)
    {
        foreach (var controller in _v1.Keys)
        {
            var rc = CgroupFile.Write(System.IO.Path.Combine(_layout.V1Dirs[controller], "tasks"), tid);
            Debug.Assert(rc == 0, $"the spawning thread goes back to its own {controller} group");
        }
    }

    private bool Kill(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_v2 is not null)
        {
            _ = CgroupFile.Write(System.IO.Path.Combine(_v2, "cgroup.kill"), "1");
        }

        return KillMembers(Processes, timeout, cancellationToken);
    }

    // SIGKILL through a pidfd to each member, wait for those, and again for any a member forked meanwhile.
    private static unsafe bool KillMembers(Func<IReadOnlyList<int>> members, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (true)
        {
            var pids = members();
            if (pids.Count == 0)
            {
                return true;
            }

            var fds = new List<int>(pids.Count);
            foreach (var pid in pids)
            {
                var fd = Libc.pidfd_open(pid, 0);
                if (fd >= 0)
                {
                    _ = Libc.pidfd_send_signal(fd, Signals.Kill, 0, 0);
                    fds.Add(fd);
                }
            }

            try
            {
                foreach (var fd in fds)
                {
                    var left = deadline - Environment.TickCount64;
                    if (left <= 0 || cancellationToken.IsCancellationRequested)
                    {
                        return members().Count == 0;
                    }

                    var p = new PollFd { Fd = fd, Events = Constants.PollIn };
                    int rc;
                    do
                    {
                        rc = Libc.poll(&p, 1, (int)Math.Min(left, 100));
                        left = deadline - Environment.TickCount64;
                    }
                    while (rc == 0 && left > 0 && !cancellationToken.IsCancellationRequested || (rc < 0 && Libc.LastError == Constants.EINTR));
                }
            }
            finally
            {
                foreach (var fd in fds)
                {
                    _ = Libc.close(fd);
                }
            }
        }
    }

    private static (int Killed, string? Error) RemoveTree(CgroupLayout layout, string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var roots = new List<string>();
        if (layout.V2Dir is { } v2)
        {
            roots.Add(System.IO.Path.Combine(v2, path));
        }

        foreach (var own in layout.V1Dirs.Values)
        {
            roots.Add(System.IO.Path.Combine(own, path));
        }

        roots.RemoveAll(r => !Directory.Exists(r));
        if (roots.Count == 0)
        {
            return (0, null);
        }

        // Deepest first, so each directory is a leaf when it is removed.
        var dirs = roots.SelectMany(r => Directory.EnumerateDirectories(r, "*", SearchOption.AllDirectories).Append(r))
            .OrderByDescending(d => d.Count(ch => ch == '/')).ThenBy(d => d, StringComparer.Ordinal).ToList();
        List<int> Members()
        {
            var all = new HashSet<int>();
            foreach (var d in dirs)
            {
                all.UnionWith(CgroupFile.ReadPids(System.IO.Path.Combine(d, "cgroup.procs")));
            }

            all.Remove(Environment.ProcessId);
            return [.. all];
        }

        var killed = Members().Count;
        foreach (var d in dirs)
        {
            if (File.Exists(System.IO.Path.Combine(d, "cgroup.kill")))
            {
                _ = CgroupFile.Write(System.IO.Path.Combine(d, "cgroup.kill"), "1");
            }
        }

        if (!KillMembers(Members, timeout, cancellationToken))
        {
            return (killed, $"cgroup {path}: a member outlived SIGKILL for {timeout.TotalSeconds:0.#} s");
        }

        return (killed, RemoveDirectories(dirs));
    }

    private static string? RemoveDirectories(IEnumerable<string> dirs)
    {
        foreach (var dir in dirs)
        {
            try
            {
                Directory.Delete(dir, recursive: false);
            }
            catch (DirectoryNotFoundException)
            {
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return $"{dir}: {ex.Message}";
            }
        }

        return null;
    }

    // Creates own/path and its parents; in v2 it also enables the controllers each level's children need.
    private static string? MakeDirectories(string own, string path, List<string> v2Controllers, List<string> errors)
    {
        var dir = own;
        var enable = v2Controllers.Count == 0 ? null : string.Join(' ', v2Controllers.Select(c => "+" + c));
        foreach (var part in path.Split('/'))
        {
            if (enable is not null)
            {
                // Best effort: a level that cannot enable a controller leaves that limit to v1 (or unenforced).
                _ = CgroupFile.Write(System.IO.Path.Combine(dir, "cgroup.subtree_control"), enable);
            }

            dir = System.IO.Path.Combine(dir, part);
            try
            {
                Directory.CreateDirectory(dir);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                errors.Add($"{dir}: {ex.Message}");
                return null;
            }
        }

        return dir;
    }

    private void ApplyLimits(List<string> warnings)
    {
        if (Limits.MemoryMax is { } mem)
        {
            Set("memory", "memory.max", mem.ToString(CultureInfo.InvariantCulture), "memory.limit_in_bytes", mem.ToString(CultureInfo.InvariantCulture), "memory_max", warnings);
        }

        if (Limits.CpuMax is not null)
        {
            var quota = Limits.CpuQuotaMicroseconds.ToString(CultureInfo.InvariantCulture);
            var period = ResourceLimits.CpuPeriodMicroseconds.ToString(CultureInfo.InvariantCulture);
            if (Set("cpu", "cpu.max", quota + " " + period, "cpu.cfs_period_us", period, "cpu_max", warnings) == "v1")
            {
                Set("cpu", "cpu.max", null, "cpu.cfs_quota_us", quota, "cpu_max", warnings);
            }
        }

        if (Limits.CpuWeight is { } weight)
        {
            Set("cpu", "cpu.weight", weight.ToString(CultureInfo.InvariantCulture), "cpu.shares", Limits.CpuShares.ToString(CultureInfo.InvariantCulture), "cpu_weight", warnings);
        }

        if (Limits.PidsMax is { } pids)
        {
            Set("pids", "pids.max", pids.ToString(CultureInfo.InvariantCulture), "pids.max", pids.ToString(CultureInfo.InvariantCulture), "pids_max", warnings);
        }
    }

    // Writes a limit where its controller is; returns which hierarchy took it (v2, v1) or null with a warning.
    private string? Set(string controller, string v2File, string? v2Value, string v1File, string v1Value, string key, List<string> warnings)
    {
        if (_v2 is not null && _layout.V2Controllers.Contains(controller) && v2Value is not null
            && File.Exists(System.IO.Path.Combine(_v2, v2File)))
        {
            if (CgroupFile.Write(System.IO.Path.Combine(_v2, v2File), v2Value) is var rc and not 0)
            {
                warnings.Add($"{key} is not enforced: writing {v2File} failed ({new SpawnFailure(rc, v2File).Message})");
                return null;
            }

            return "v2";
        }

        if (_v1.TryGetValue(controller, out var dir))
        {
            if (CgroupFile.Write(System.IO.Path.Combine(dir, v1File), v1Value) is var rc and not 0)
            {
                warnings.Add($"{key} is not enforced: writing {v1File} failed ({new SpawnFailure(rc, v1File).Message})");
                return null;
            }

            return "v1";
        }

        warnings.Add($"{key} is not enforced: no writable hierarchy offers the {controller} controller");
        return null;
    }

    private static bool ValidPath(string path) =>
        path.Length is > 0 and < 1024 && path.Split('/').All(p => p.Length is > 0 and <= 200 && p != "." && p != ".."
            && p.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'));
}
