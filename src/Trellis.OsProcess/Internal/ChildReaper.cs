using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Trellis.OsProcess.Native;

namespace Trellis.OsProcess.Internal;

/// <summary>
/// The one reaper of a .NET process that runs programs. Each tracked program's pidfd is in the fd poller's epoll set:
/// when the program exits, the poller's thread reaps it (<c>waitid(P_PIDFD, WNOHANG)</c>) and tells its owner. SIGCHLD
/// wakes a single loop, which sweeps the same way and waits for orphans of each tracked group
/// (<c>waitpid(-pgid, WNOHANG)</c>); it never calls <c>waitpid(-1)</c>, so <see cref="System.Diagnostics.Process"/> keeps
/// working beside it (it looks at any child only with WNOWAIT, which reaps nothing). The process is made a child
/// subreaper, so a program's orphaned grandchildren come back here. Idle, it uses no CPU: there is no polling.
/// </summary>
internal sealed class ChildReaper
{
    private static readonly Lazy<ChildReaper> Instance = new(() => new ChildReaper(), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly Lock _lock = new();
    private readonly List<ProgramProcess> _live = [];
    private readonly List<ProgramProcess> _groups = [];
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    private readonly int _ownSession;

    // Kept for the life of the process: disposing the registration would stop SIGCHLD from waking the loop.
    private readonly PosixSignalRegistration _sigchld;

    // Never awaited: the reaper ends only with the process, and a failure of one sweep is reported to the programs.
    private readonly Task _loop;

    private ChildReaper()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Trellis runs operating-system programs on Linux only");
        }

        Libc.prctl(Constants.PrSetChildSubreaper, 1, 0, 0, 0);
        _ownSession = Libc.getsid(0);
        _sigchld = PosixSignalRegistration.Create(PosixSignal.SIGCHLD, _ => Wake());
        // The reaper lives as long as the .NET process; its loop reports a failure to every program it tracked.
        _loop = Task.Run(LoopAsync);
    }

    public static ChildReaper Shared => Instance.Value;

    /// <summary>Programs spawned and not yet reaped.</summary>
    public int LiveCount
    {
        get
        {
            lock (_lock)
            {
                return _live.Count;
            }
        }
    }

    /// <summary>Groups whose leader was reaped but which still have members.</summary>
    public int LingeringGroupCount
    {
        get
        {
            lock (_lock)
            {
                return _groups.Count;
            }
        }
    }

    /// <summary>Raised after an orphan outside every tracked group was reaped, with its pid.</summary>
    internal event Action<int>? StrayReaped;

    /// <summary>Completes when the group led by <paramref name="pid"/> is empty (at once if it is not tracked).</summary>
    public Task WhenGroupGone(int pid)
    {
        lock (_lock)
        {
            var p = _live.Find(x => x.Pid == pid) ?? _groups.Find(x => x.Pid == pid);
            return p?.GroupGone ?? Task.CompletedTask;
        }
    }

    /// <summary>Spawns <paramref name="spec"/> and starts tracking it.</summary>
    public (ProgramProcess? Process, SpawnFailure? Failure, int StdoutPipe, int StderrPipe, int NotifyPipe) Spawn(
        ProgramSpec spec, long startedAt, Action<ProgramProcess, ExitReason>? onExit)
    {
        ProgramProcess? process = null;
        Spawner.Result result;

        // Spawning under the reaper's lock keeps the stray-orphan scan from reaping a program that exits before it
        // is in the list.
        lock (_lock)
        {
            result = Spawner.Spawn(spec, Track);
        }

        bool Track(int pid)
        {
            var fd = Libc.pidfd_open(pid, 0);
            if (fd < 0)
            {
                // Without a pidfd the program cannot be tracked safely: it must not run.
                Libc.kill(pid, Signals.Kill);
                WaitBlocking(pid);
                return false;
            }

            process = new ProgramProcess(pid, fd, spec.KillGroupOnExit, startedAt, onExit);
            _live.Add(process);
            return true;
        }

        // The pidfd is the program's own wake-up; SIGCHLD stays for groups and orphans. Watched only now, outside the
        // lock and after the spawn: a program with a cgroup is spawned by a thread inside that cgroup, and a thread it
        // created then (the poller's, at the first watch) would stay in it. A program that has exited already makes
        // the descriptor readable at once.
        if (process is { } tracked)
        {
            tracked.WatchExit(() => OnPidFdReadable(tracked));
        }

        // A SIGCHLD may have come before the program was in the list.
        Wake();
        return (result.Failure is null ? process : null, result.Failure, result.StdoutPipe, result.StderrPipe, result.NotifyPipe);
    }

    private static unsafe void WaitBlocking(int pid)
    {
        int status;
        Libc.waitpid(pid, &status, 0);
    }

    private void Wake() => _wake.Writer.TryWrite(true);

    private async Task LoopAsync()
    {
        while (await _wake.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            _wake.Reader.TryRead(out _);
            try
            {
                Sweep();
            }
#pragma warning disable CA1031 // The reaper must outlive any one failure; the failure goes to the programs it concerns.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                FailAll(ex);
            }
        }
    }

    // waitid(P_PIDFD, WNOHANG) for one tracked program: its exit reason once it has exited and is reaped, else null.
    private unsafe ExitReason? TryWaitLocked(ProgramProcess p)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread, "TryWaitLocked runs under the reaper's lock");
        SigInfo info = default;
        var rc = Libc.waitid(Constants.PPidFd, p.PidFd, &info, Constants.WExited | Constants.WNoHang);
        if (rc == 0 && info.Pid != 0)
        {
            return info.Code switch
            {
                Constants.CldExited => ExitReason.FromExitCode(info.Status),
                Constants.CldDumped => ExitReason.FromSignal(info.Status, coreDumped: true),
                _ => ExitReason.FromSignal(info.Status, coreDumped: false),
            };
        }

        return rc != 0 && Libc.LastError == Constants.ECHILD ? ExitReason.Atom("reaped_elsewhere") : null;
    }

    // The program's pidfd became readable: it has exited. Reaped here, on the poller's thread, its owner hears of it
    // without waiting for SIGCHLD to travel through the runtime's signal thread and the reaper's loop; the loop still
    // runs a sweep after it, for the program's group and any orphan. A failure goes where the loop's goes, so the
    // watch itself never faults (ProgramProcess.WatchExit keeps no task to observe).
    private bool OnPidFdReadable(ProgramProcess p)
    {
        try
        {
            return ReapReadable(p);
        }
#pragma warning disable CA1031 // As the loop's: the reaper must outlive any one failure; the failure goes to the programs it concerns.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            FailAll(ex);
            return false;
        }
    }

    private bool ReapReadable(ProgramProcess p)
    {
        ExitReason? reason = null;
        lock (_lock)
        {
            var i = _live.IndexOf(p);
            if (i >= 0 && TryWaitLocked(p) is { } r)
            {
                reason = r;
                _live.RemoveAt(i);
                _groups.Add(p);
            }
        }

        if (reason is null)
        {
            // Not exited yet (a stale event for a reused descriptor number), or reaped by a sweep already.
            return !p.HasExited;
        }

        p.MarkReaped(reason);
        Wake();
        return false;
    }

    private unsafe void Sweep()
    {
        List<(ProgramProcess, ExitReason)>? exited = null;
        List<ProgramProcess>? gone = null;
        lock (_lock)
        {
            for (var i = _live.Count - 1; i >= 0; i--)
            {
                var p = _live[i];
                if (TryWaitLocked(p) is { } reason)
                {
                    _live.RemoveAt(i);
                    _groups.Add(p);
                    (exited ??= []).Add((p, reason));
                }
            }
        }

        // Outside the lock: the owners' callbacks run here, and killing the group makes more SIGCHLDs.
        if (exited is not null)
        {
            foreach (var (p, reason) in exited)
            {
                p.MarkReaped(reason);
            }
        }

        lock (_lock)
        {
            for (var i = _groups.Count - 1; i >= 0; i--)
            {
                var g = _groups[i];
                int status;
                while (Libc.waitpid(-g.Pid, &status, Constants.WNoHang) > 0)
                {
                }

                if (Libc.kill(-g.Pid, 0) != 0 && Libc.LastError == Constants.ESRCH)
                {
                    _groups.RemoveAt(i);
                    (gone ??= []).Add(g);
                }
            }
        }

        if (gone is not null)
        {
            foreach (var g in gone)
            {
                g.MarkGroupGone();
            }
        }

        // Last, after the owners have been told: a SIGCHLD may also have come from an orphan outside every group.
        // Signals coalesce, so this cannot be skipped when something else was reaped in the same sweep.
        ReapStrayOrphans();
    }

    /// <summary>
    /// An orphan that left its program's group (it called setsid) is reparented here and never waited for by group. Such zombies are found through /proc and reaped one by one; children in this
    /// process's own session (those of <see cref="System.Diagnostics.Process"/>) are never touched.
    /// </summary>
    private void ReapStrayOrphans()
    {
        lock (_lock)
        {
            ReapStrayOrphansLocked();
        }
    }

    private unsafe void ReapStrayOrphansLocked()
    {
        Debug.Assert(_lock.IsHeldByCurrentThread, "ReapStrayOrphansLocked runs under the reaper's lock");

        // First a look that reaps nothing (WNOWAIT): with no child waiting to be reaped, which is the rule once the
        // tracked ones have been, there is nothing to scan for. The scan reads a /proc file per thread, under the lock
        // that a spawn takes; skipping it keeps a restart from waiting for it.
        SigInfo peek = default;
        if (Libc.waitid(Constants.PAll, 0, &peek, Constants.WExited | Constants.WNoHang | Constants.WNoWait) != 0 || peek.Pid == 0)
        {
            return;
        }

        var tracked = new HashSet<int>(_live.Count);
        foreach (var p in _live)
        {
            tracked.Add(p.Pid);
        }

        string[] tasks;
        try
        {
            tasks = Directory.GetDirectories("/proc/self/task");
        }
        catch (IOException)
        {
            return;
        }

        foreach (var task in tasks)
        {
            string text;
            try
            {
                text = File.ReadAllText(Path.Combine(task, "children"));
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (int.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                    && !tracked.Contains(pid)
                    && IsStrayZombie(pid))
                {
                    int status;
                    if (Libc.waitpid(pid, &status, Constants.WNoHang) == pid)
                    {
                        StrayReaped?.Invoke(pid);
                    }
                }
            }
        }
    }

    private bool IsStrayZombie(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/stat");
        }
        catch (IOException)
        {
            return false;
        }

        // pid (comm) state ppid pgrp session ...; comm may contain spaces and parentheses.
        var close = stat.LastIndexOf(')');
        if (close < 0)
        {
            return false;
        }

        var fields = stat[(close + 2)..].Split(' ');
        return fields.Length > 3
            && fields[0] == "Z"
            && int.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var session)
            && session != _ownSession;
    }

    private void FailAll(Exception ex)
    {
        List<ProgramProcess> live;
        lock (_lock)
        {
            live = [.. _live];
            _live.Clear();
        }

        foreach (var p in live)
        {
            p.KillGroup();
            p.MarkReaped(ExitReason.FromException(ex));
        }
    }
}
