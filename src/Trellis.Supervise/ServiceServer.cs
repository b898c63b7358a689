using Trellis.OsProcess.StatusFiles;
using Trellis.OsProcess;

namespace Trellis.Supervise;

/// <summary>
/// The state machine of one supervised program, as daemontools' supervise keeps it: want up or down, paused, the
/// running program, plus the seed tool's alarms and tries limits. Control bytes arrive as casts, the program's end
/// as an EXIT from its program child, timers as messages; one loop owns it all.
/// </summary>
internal sealed partial class ServiceServer : GenServer
{
    private static readonly TimeSpan MaxSpawnBackoff = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan GroupGoneCap = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan CodeReleaseInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan QuietAfterFirstStart = TimeSpan.FromSeconds(1);

    private readonly ServiceSetup _setup;
    private readonly List<Task> _alarms = [];
    private SlidingWindow? _restarts;
    private SlidingWindow? _coreDumps;
    private SuperviseConfig _config;

    private Pid _program;
    private int _osPid;
    private int _lastOsPid;
    private long _lastStart;
    private long? _lastAlarm;
    private long? _lastCodeRelease;
    private int _starts;
    private int _spawnFailures;
    private int _generation;
    private ITimer? _restartTimer;
    private ITimer? _killTimer;
    private ITimer? _releaseTimer;

    private bool _wantUp = true;
    private bool _once;
    private bool _paused;
    private bool _gotTerm;
    private bool _exitWhenDown;
    private bool _alarmsSilenced;
    private DateTimeOffset _changed;

    public ServiceServer(ServiceSetup setup)
    {
        _setup = setup;
        _config = setup.Config;
    }

    private TimeProvider Time => _setup.Time;

    private bool IsUp => !_program.IsNone;

    protected override InitResult Init(object? argument)
    {
        Context.TrapExit = true;
        _changed = Time.GetUtcNow();
        WriteStatus();
        return InitResult.Ok().WithContinue(StartNow.Instance);
    }

    protected override async ValueTask<ServerResult> HandleContinueAsync(object continuation)
    {
        await StartProgramAsync().ConfigureAwait(false);
        return NoReply();
    }

    protected override async ValueTask<ServerResult> HandleCastAsync(object request) => request switch
    {
        byte command => await TakeControlAsync((char)command).ConfigureAwait(false),
        TerminateRequest => await TerminateRequestedAsync().ConfigureAwait(false),
        _ => NoReply(),
    };

    private ValueTask<ServerResult> TakeControlAsync(char command)
    {
        // Taken as its handling begins: the same byte sent again while this one runs (a second `r` once the first
        // one's log line is out) is a new command, not a repeat to coalesce.
        _setup.Control.Taken();
        return ControlAsync(command);
    }

    protected override async ValueTask<ServerResult> HandleInfoAsync(object message)
    {
        switch (message)
        {
            case ExitMessage exit when exit.From == _program:
                return await OnProgramExitAsync(exit.Reason).ConfigureAwait(false);
            case RestartDue due when due.Generation == _generation && !IsUp && _wantUp:
                await StartProgramAsync().ConfigureAwait(false);
                return NoReply();
            case ReleaseDue:
                ReleaseCodePages();
                return NoReply();
            case GiveUpNow giveUp:
                return await GiveUpAsync(giveUp.Why).ConfigureAwait(false);
            case KillDue due when due.Generation == _generation && IsUp:
                Log.Escalating(_setup.Log, _osPid, _config.ShutdownTimeout.TotalSeconds, Signals.Name(_config.StopSignal));
                await SignalAsync(Signals.Kill, group: true).ConfigureAwait(false);
                return NoReply();
            default:
                return NoReply();
        }
    }

    protected override async ValueTask TerminateAsync(ExitReason reason)
    {
        CancelTimers();
        _releaseTimer?.Dispose();
        var pid = _osPid != 0 ? _osPid : _lastOsPid;
        if (IsUp)
        {
            // Whatever ends supervise, nothing of the program may be left running.
            Node.Exit(_program, ExitReason.Kill);
        }

        if (pid != 0)
        {
            try
            {
                await ProcessGroups.WhenGone(pid).WaitAsync(GroupGoneCap, Time).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
        }

        await Task.WhenAll(_alarms).ConfigureAwait(false);
        _osPid = 0;
        _program = Pid.None;
        WriteStatus();
        Log.Exiting(_setup.Log, reason.ToString());
    }

    // Whether this exit is followed by a start with no pause and nothing else to decide: the restart is wanted and due,
    // and alarms are off (with them off there is no window that could give up, and no alarm to send).
    private bool RestartsAtOnce(TimeSpan wait) => wait <= TimeSpan.Zero && _wantUp && !_exitWhenDown && !_config.AlarmsOn;

    private async ValueTask StartProgramAsync(Action? announceExit = null)
    {
        CancelTimers();
        var spec = _setup.Program with
        {
            StandardOutput = OutputTarget.AppendTo(_setup.Directory.Stdout),
            StandardError = OutputTarget.AppendTo(_setup.Directory.Stderr),
            StopSignal = _config.StopSignal,
            CoreLimit = _config.CoreLimit ?? _setup.Program.CoreLimit,
        };
        var start = await ProgramChild.StartLinkAsync(Context, spec, Time).ConfigureAwait(false);
        _lastStart = Time.GetTimestamp();
        announceExit?.Invoke();
        if (!start.IsOk)
        {
            WriteStatus();
            _spawnFailures++;
            var message = start.Error?.Detail is SpawnFailure f ? f.Message : start.ToString();

            // A program that cannot start is retried with a growing delay, never in a busy loop.
            var delay = TimeSpan.FromTicks(Math.Min(
                MaxSpawnBackoff.Ticks,
                Math.Max(_config.RestartDelay.Ticks, TimeSpan.TicksPerSecond) << Math.Min(_spawnFailures - 1, 6)));
            Log.StartFailed(_setup.Log, _setup.Program.CommandText(), message, delay.TotalSeconds);
            if (CountRestart() is { } giveUp)
            {
                GiveUpLater(giveUp);
                return;
            }

            ScheduleRestart(delay);
            return;
        }

        _spawnFailures = 0;
        _program = start.Pid;
        _osPid = (int)start.Info!;
        _lastOsPid = _osPid;
        _gotTerm = false;
        _paused = false;
        _changed = Time.GetUtcNow();
        WriteStatus();
        Log.ProgramStarted(_setup.Log, _setup.Program.CommandText(), _osPid);
        AfterStart();
    }

    // Starting maps most of supervise's code, and running anything for the first time maps more (a fault maps 64 KB
    // around it). Once that is behind it, supervise gives those pages back (they stay in the page cache: using one
    // again is a minor fault, no disk read) and keeps only what it goes on using, so its resident set is what watching
    // one program costs. That is a second after the first start (one timer, once), or at the first restart if that
    // comes sooner, then at a restart at most once per interval.
    private void AfterStart()
    {
        if (_starts++ == 0)
        {
            var self = Self;
            _releaseTimer = Time.CreateTimer(_ => self.Send(ReleaseDue.Instance), null, QuietAfterFirstStart, Timeout.InfiniteTimeSpan);
        }
        else
        {
            ReleaseCodePages();
        }
    }

    private void ReleaseCodePages()
    {
        if (_lastCodeRelease is { } last && Time.GetElapsedTime(last) < CodeReleaseInterval)
        {
            return;
        }

        // Logged before the release: writing the line maps code of its own, which is then given back with the rest.
        _lastCodeRelease = Time.GetTimestamp();
        var pages = CodePages.Find();
        Log.CodePagesReleased(_setup.Log, pages.ResidentBytes / 1024);
        pages.Release();
    }

    private async ValueTask<ServerResult> OnProgramExitAsync(ExitReason reason)
    {
        var pid = _osPid;
        var requested = _gotTerm && reason.Kind == ExitReasonKind.Signal && reason.Code is var sig
            && (sig == _config.StopSignal || sig == Signals.Term || sig == Signals.Kill);
        _program = Pid.None;
        _osPid = 0;
        _paused = false;
        _gotTerm = false;
        _changed = Time.GetUtcNow();
        _generation++;
        CancelTimers();

        // Announced at once unless the program starts again at once: then the new program is spawned first, and the
        // exit's log line and the status follow the spawn, so that a crash loop's restart waits for no file write.
        void Announce()
        {
            if (reason.IsNormal || requested)
            {
                Log.ProgramExited(_setup.Log, pid, Describe(reason));
            }
            else
            {
                Log.ProgramDied(_setup.Log, pid, Describe(reason));
            }
        }

        if (_once)
        {
            _once = false;
            _wantUp = false;
        }

        var wait = _config.RestartDelay - Time.GetElapsedTime(_lastStart);
        var atOnce = RestartsAtOnce(wait);
        if (!atOnce)
        {
            WriteStatus();
            Announce();
        }

        if (_exitWhenDown)
        {
            return Stop(ExitReason.Normal);
        }

        if (reason.CoreDumped && _config.EffectiveMaxTriesIfCoreDumped > 0)
        {
            _coreDumps ??= new SlidingWindow(Time, _config.AlarmInterval!.Value, Step);
            var dumps = _coreDumps.Add();
            if (dumps >= _config.EffectiveMaxTriesIfCoreDumped)
            {
                return await GiveUpAsync($"{dumps} core dumps within {_config.AlarmInterval!.Value.TotalSeconds} s (max_tries_if_coredumped {_config.EffectiveMaxTriesIfCoreDumped})").ConfigureAwait(false);
            }
        }

        if (!_wantUp)
        {
            return NoReply();
        }

        if (CountRestart() is { } giveUp)
        {
            return await GiveUpAsync(giveUp).ConfigureAwait(false);
        }

        if (ShouldAlarm())
        {
            Alarm("restart", $"pid {pid} {Describe(reason)}; restarting {_setup.Program.CommandText()}");
        }

        // daemontools' pause, as a policy: the next start comes no sooner than RestartDelay after the last one.
        if (wait <= TimeSpan.Zero)
        {
            await StartProgramAsync(atOnce ? Announce : null).ConfigureAwait(false);
        }
        else
        {
            ScheduleRestart(wait);
        }

        return NoReply();
    }

    /// <summary>The resolution of supervise's windows: alarm_interval is in seconds, but a second is too coarse to count in.</summary>
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(1);

    /// <summary>Records a restart; returns why supervise must give up when it would make more than max_tries in alarm_interval.</summary>
    private string? CountRestart()
    {
        var max = _config.EffectiveMaxTries;
        if (max <= 0)
        {
            return null;
        }

        _restarts ??= new SlidingWindow(Time, _config.AlarmInterval!.Value, Step);
        return _restarts.Add() > max
            ? $"{max} restarts within {_config.AlarmInterval!.Value.TotalSeconds} s (max_tries {max})"
            : null;
    }

    private bool ShouldAlarm()
    {
        if (!_config.AlarmsOn || _alarmsSilenced)
        {
            return false;
        }

        var now = Time.GetTimestamp();
        if (_lastAlarm is { } last && Time.GetElapsedTime(last, now) < _config.AlarmInterval!.Value)
        {
            return false;
        }

        _lastAlarm = now;
        return true;
    }

    private async ValueTask<ServerResult> GiveUpAsync(string why)
    {
        Log.GaveUp(_setup.Log, why);
        _wantUp = false;
        if (_config.AlarmsOn)
        {
            // Giving up is always reported, even with alarms silenced.
            Alarm("gave_up", $"gave up on {_setup.Program.CommandText()}: {why}");
        }

        await Task.WhenAll(_alarms).ConfigureAwait(false);
        return Stop(ExitCodes.GaveUpReason);
    }

    private void GiveUpLater(string why) => Self.Send(new GiveUpNow(why));

    private void Alarm(string evt, string message)
    {
        _alarms.RemoveAll(t => t.IsCompleted);
        _alarms.Add(_setup.Alarmer.SendAsync(_config, evt, message));
    }

    private void ScheduleRestart(TimeSpan delay)
    {
        var generation = _generation;
        var self = Self;
        _restartTimer?.Dispose();
        _restartTimer = Time.CreateTimer(_ => self.Send(new RestartDue(generation)), null, delay, Timeout.InfiniteTimeSpan);
    }

    private void CancelTimers()
    {
        _restartTimer?.Dispose();
        _restartTimer = null;
        _killTimer?.Dispose();
        _killTimer = null;
    }

    private async ValueTask<bool> SignalAsync(int signal, bool group)
    {
        if (!IsUp)
        {
            return false;
        }

        try
        {
            return await ProgramChild.SignalAsync(_program, signal, group).ConfigureAwait(false);
        }
        catch (CallException)
        {
            // The program child ended meanwhile; its EXIT is already in the mailbox.
            return false;
        }
    }

    private void WriteStatus()
    {
        var want = _once ? '\0' : _wantUp ? 'u' : 'd';
        var record = new StatusRecord(_changed, _osPid, _paused, want, _gotTerm, _alarmsSilenced);
        _setup.Directory.WriteStatus(record, _config.StatusLayout);
    }

    private static string Describe(ExitReason reason) => reason.Kind switch
    {
        ExitReasonKind.ExitCode => $"exited with status {reason.Code}",
        ExitReasonKind.Signal => $"was killed by SIG{Signals.Name(reason.Code)}{(reason.CoreDumped ? " (core dumped)" : string.Empty)}",
        ExitReasonKind.Normal => "exited with status 0",
        _ => "ended: " + reason,
    };

    private sealed class StartNow
    {
        public static readonly StartNow Instance = new();
    }

    private sealed record RestartDue(int Generation);

    private sealed class ReleaseDue
    {
        public static readonly ReleaseDue Instance = new();
    }

    private sealed record KillDue(int Generation);

    private sealed record GiveUpNow(string Why);
}
