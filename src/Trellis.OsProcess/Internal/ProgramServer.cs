using System.Diagnostics;
using Trellis.OsProcess.Native;

namespace Trellis.OsProcess.Internal;

/// <summary>
/// The Trellis process that stands for one running program. It traps exits; its exit reason is the program's:
/// <c>normal</c> for exit 0, <c>{exit_code,N}</c>, or <c>{signal,N}</c> with the core flag. Asked to shut down,
/// it sends the stop signal and SIGCONT to the program's group and waits for the program; when the supervisor's
/// shutdown timeout runs out it kills this process, which sends SIGKILL to the group. With a
/// <see cref="ProgramSpec.StartDelay"/> its start answers at once and the program is spawned when the delay is up; a
/// failed spawn then ends this process with the spawn's failure as its reason, and a shutdown during the delay ends it
/// with nothing spawned.
/// </summary>
internal sealed class ProgramServer : GenServer
{
    private static readonly TimeSpan GroupGoneCap = TimeSpan.FromSeconds(5);
    private readonly ProgramSpec _spec;
    private readonly TimeProvider _time;
    private ProgramProcess? _program;
    private CancellationTokenRegistration _killOnExit;
    private LineReader? _stdoutReader;
    private LineReader? _stderrReader;
    private LineReader? _notifyReader;
    private ITimer? _delay;
    private long _oomKillsAtSpawn;
    private List<From>? _spawnWaiters;

    public ProgramServer(ProgramSpec spec, TimeProvider time)
    {
        _spec = spec;
        _time = time;
    }

    /// <summary>The program's pid, set by init.</summary>
    public int OsPid => _program?.Pid ?? 0;

    protected override InitResult Init(object? argument)
    {
        Context.TrapExit = true;
        if (_spec.StartDelay > TimeSpan.Zero)
        {
            _delay = _time.CreateTimer(static s => ((Pid)s!).Send(SpawnDue.Instance), Self, _spec.StartDelay, Timeout.InfiniteTimeSpan);
            return InitResult.Ok();
        }

        return Spawn() is { } failure ? InitResult.Stop(ExitReason.Of(failure)) : InitResult.Ok();
    }

    private SpawnFailure? Spawn()
    {
        Debug.Assert(_program is null, "a program child spawns its program once");
        var self = Self;
        _oomKillsAtSpawn = _spec.ControlGroup?.OomKills() ?? 0;
        var (program, failure, stdoutPipe, stderrPipe, notifyPipe) = ChildReaper.Shared.Spawn(
            _spec, _time.GetTimestamp(), (p, reason) => self.Send(new ProgramExit(p, reason)));
        if (failure is not null)
        {
            return failure;
        }

        _program = program!;

        // However this process ends, even by an untrappable kill, nothing of the program may outlive it.
        _killOnExit = Context.CancellationToken.Register(
            static s =>
            {
                var (program, group) = ((ProgramProcess, ControlGroup?))s!;
                program.KillGroup();
                group?.SignalAll();
            },
            (_program, _spec.ControlGroup));
        _stdoutReader = LineReader.Start(stdoutPipe, _spec.StandardOutput.OnLine);
        _stderrReader = LineReader.Start(stderrPipe, _spec.StandardError.OnLine);
        _notifyReader = LineReader.Start(notifyPipe, _spec.Notification?.OnLine);
        return null;
    }

    protected override ServerResult HandleInfo(object message) => message switch
    {
        SpawnDue when _program is null => SpawnAfterDelay(),
        ProgramExit exit when ReferenceEquals(exit.Program, _program) => Stop(Classify(exit.Reason)),
        ExitMessage { Reason.IsNormal: true } => NoReply(),
        ExitMessage exit => Stop(exit.Reason),
        _ => NoReply(),
    };

    protected override ServerResult HandleCall(object request, From from) => request switch
    {
        ProgramQuery.OsPid => Reply(_program is null || _program.HasExited ? 0 : _program.Pid),
        ProgramQuery.Spawned when _program is null => AwaitSpawn(from),
        ProgramQuery.Spawned => Reply(_program!.Pid),
        SignalRequest when _program is null => Reply(false),
        SignalRequest s => Reply(s.Group ? _program!.SignalGroup(s.Signal) : _program!.SignalLeader(s.Signal)),
        _ => base.HandleCall(request, from),
    };

    // A SIGKILL while the program's cgroup has a memory limit and its OOM killer fired since the spawn is an OOM kill.
    private ExitReason Classify(ExitReason reason) =>
        reason.Kind == ExitReasonKind.Signal && reason.Code == Signals.Kill && _spec.ControlGroup is { } group
            && group.Limits.MemoryMax is not null && group.OomKills() > _oomKillsAtSpawn
            ? group.OomReason()
            : reason;

    private ServerResult AwaitSpawn(From from)
    {
        (_spawnWaiters ??= []).Add(from);
        return NoReply();
    }

    private ServerResult SpawnAfterDelay()
    {
        if (Spawn() is { } failure)
        {
            return Stop(ExitReason.Of(failure));
        }

        foreach (var waiter in _spawnWaiters ?? [])
        {
            GenServer.Reply(waiter, _program!.Pid);
        }

        _spawnWaiters = null;
        return NoReply();
    }

    protected override async ValueTask TerminateAsync(ExitReason reason)
    {
        if (_delay is not null)
        {
            await _delay.DisposeAsync().ConfigureAwait(false);
        }

        if (_program is null)
        {
            return;
        }

        var stopping = !_program.HasExited;
        if (stopping)
        {
            _program.SignalGroup(_spec.StopSignal);
            _program.SignalGroup(Signals.Cont);
            await _program.Exited.ConfigureAwait(false);
        }

        if (stopping || _program.KillGroupOnExit)
        {
            // The group's last member is normally gone within milliseconds of the SIGKILL; the cap only guards
            // against a member whose death this process is never told of.
            try
            {
                await _program.GroupGone.WaitAsync(GroupGoneCap, _time).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }

            // What left the group (setsid) is still in the cgroup, and goes too.
            if (_spec.ControlGroup is { } group)
            {
                _ = await group.KillAsync(GroupGoneCap).ConfigureAwait(false);
            }
        }

        await _killOnExit.DisposeAsync().ConfigureAwait(false);

        // The program is gone, so all it wrote is in its pipes: what they hold is read, then they are closed. A
        // process that left the group (setsid) and still holds them can neither keep this exit waiting nor write on.
        foreach (var reader in new[] { _stdoutReader, _stderrReader, _notifyReader })
        {
            if (reader is not null)
            {
                reader.Cut();
                await reader.Completion.ConfigureAwait(false);
            }
        }
    }

    /// <summary>The start delay is up.</summary>
    private sealed class SpawnDue
    {
        public static readonly SpawnDue Instance = new();
    }

    /// <summary>The reaper's notice that the program has exited.</summary>
    private sealed record ProgramExit(ProgramProcess Program, ExitReason Reason);
}

/// <summary>Requests a program child answers.</summary>
internal enum ProgramQuery
{
    OsPid,

    /// <summary>The program's pid once it is spawned (answered when a start delay is up).</summary>
    Spawned,
}

/// <summary>Send <see cref="Signal"/> to the program, or to its whole group.</summary>
internal sealed record SignalRequest(int Signal, bool Group);
