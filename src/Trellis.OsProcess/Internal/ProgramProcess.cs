using Trellis.OsProcess.Native;

namespace Trellis.OsProcess.Internal;

/// <summary>
/// One running program: its pid, a pidfd for it, and its process group (the pid, since it leads a new session).
/// The <see cref="ChildReaper"/> reaps it and then watches the group until no member is left.
/// </summary>
internal sealed class ProgramProcess
{
    private readonly TaskCompletionSource<ExitReason> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _groupGone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action<ProgramProcess, ExitReason>? _onExit;
    private int _pidFd;
    private volatile bool _reaped;
    private volatile bool _groupEmpty;

    internal ProgramProcess(int pid, int pidFd, bool killGroupOnExit, long startedAt, Action<ProgramProcess, ExitReason>? onExit)
    {
        Pid = pid;
        _pidFd = pidFd;
        KillGroupOnExit = killGroupOnExit;
        StartedAt = startedAt;
        _onExit = onExit;
    }

    /// <summary>The operating-system pid, which is also the process group and session id.</summary>
    public int Pid { get; }

    /// <summary>Whether the rest of the group is killed when the leader exits by itself.</summary>
    public bool KillGroupOnExit { get; }

    /// <summary>When it was spawned, in <see cref="TimeProvider.GetTimestamp"/> units.</summary>
    public long StartedAt { get; }

    internal int PidFd => _pidFd;

    /// <summary>
    /// Has the poller call <paramref name="onExited"/> when the pidfd becomes readable (the program exited), unless
    /// the program is reaped already: its descriptor is closed then, and its number may be another's. The watch's task
    /// is not kept: it ends when the program is reaped, <paramref name="onExited"/> never throws (the reaper sends its
    /// failures to the programs), and should the poller itself fail, the SIGCHLD sweep still reaps.
    /// </summary>
    internal void WatchExit(Func<bool> onExited)
    {
        lock (this)
        {
            if (!_reaped)
            {
                _ = FdPoller.Shared.Watch(_pidFd, _ => onExited(), closeWhenDone: false);
            }
        }
    }

    /// <summary>Completes with the exit reason when the program has been reaped.</summary>
    public Task<ExitReason> Exited => _exited.Task;

    /// <summary>Completes when the program is reaped and no process is left in its group.</summary>
    public Task GroupGone => _groupGone.Task;

    public bool HasExited => _reaped;

    /// <summary>Sends <paramref name="signal"/> to the program itself, through its pidfd (never to a reused pid).</summary>
    public bool SignalLeader(int signal)
    {
        lock (this)
        {
            return !_reaped && Libc.pidfd_send_signal(_pidFd, signal, 0, 0) == 0;
        }
    }

    /// <summary>Sends <paramref name="signal"/> to every process in the program's group, while the group exists.</summary>
    public bool SignalGroup(int signal)
    {
        lock (this)
        {
            return !_groupEmpty && Libc.kill(-Pid, signal) == 0;
        }
    }

    /// <summary>SIGKILL to the whole group.</summary>
    public void KillGroup() => SignalGroup(Signals.Kill);

    /// <summary>Called by the reaper once the leader has been waited for.</summary>
    internal void MarkReaped(ExitReason reason)
    {
        lock (this)
        {
            _reaped = true;

            // The poller stops watching the descriptor before it is closed, so that its number, reused, never meets
            // this program's watch.
            FdPoller.Shared.Unwatch(_pidFd);
            Libc.close(_pidFd);
            _pidFd = -1;
            if (KillGroupOnExit)
            {
                Libc.kill(-Pid, Signals.Kill);
            }
        }

        _onExit?.Invoke(this, reason);
        _exited.TrySetResult(reason);
    }

    /// <summary>Called by the reaper when the group has no member left.</summary>
    internal void MarkGroupGone()
    {
        lock (this)
        {
            _groupEmpty = true;
        }

        _groupGone.TrySetResult();
    }
}
