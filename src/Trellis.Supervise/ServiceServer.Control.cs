using Trellis.OsProcess.StatusFiles;
using Trellis.OsProcess;

namespace Trellis.Supervise;

/// <summary>The control commands: daemontools' letters, runit's q, and the seed tool's s, n and r.</summary>
internal sealed partial class ServiceServer
{
    private async ValueTask<ServerResult> ControlAsync(char command)
    {
        switch (command)
        {
            case 'u':
                Log.Control(_setup.Log, command);
                _wantUp = true;
                _once = false;
                if (!IsUp)
                {
                    await StartProgramAsync().ConfigureAwait(false);
                }

                break;
            case 'o':
                Log.Control(_setup.Log, command);
                _once = true;
                if (!IsUp)
                {
                    await StartProgramAsync().ConfigureAwait(false);
                }

                break;
            case 'd':
                Log.Control(_setup.Log, command);
                _wantUp = false;
                _once = false;
                _restartTimer?.Dispose();
                _restartTimer = null;
                await StopProgramAsync().ConfigureAwait(false);
                break;
            case 'x':
                Log.Control(_setup.Log, command);
                _exitWhenDown = true;
                if (!IsUp)
                {
                    return Stop(ExitReason.Normal);
                }

                break;
            case 'k':
                Log.Control(_setup.Log, command);
                await SignalAsync(Signals.Kill, group: true).ConfigureAwait(false);
                break;
            case 'p':
                Log.Control(_setup.Log, command);
                if (await SignalAsync(Signals.Stop, group: false).ConfigureAwait(false))
                {
                    _paused = true;
                }

                break;
            case 'c':
                Log.Control(_setup.Log, command);
                if (await SignalAsync(Signals.Cont, group: false).ConfigureAwait(false))
                {
                    _paused = false;
                }

                break;
            case 'h' or 'a' or 'i' or 't' or 'q' or '1' or '2':
                Log.Control(_setup.Log, command);
                await SignalAsync(SignalFor(command), group: false).ConfigureAwait(false);
                if (command == 't')
                {
                    _gotTerm = IsUp;
                }

                break;
            case 's':
                Log.Control(_setup.Log, command);
                _alarmsSilenced = true;
                break;
            case 'n':
                Log.Control(_setup.Log, command);
                _alarmsSilenced = false;
                break;
            case 'r':
                Log.Control(_setup.Log, command);
                Reload();
                break;
            default:
                // Anything else, such as the newline of `echo d > control`, is ignored.
                return NoReply();
        }

        WriteStatus();
        return NoReply();
    }

    private async ValueTask<ServerResult> TerminateRequestedAsync()
    {
        await ControlAsync('d').ConfigureAwait(false);
        return await ControlAsync('x').ConfigureAwait(false);
    }

    /// <summary>d: the stop signal and SIGCONT to the program's group, then SIGKILL when the shutdown timeout passes.</summary>
    private async ValueTask StopProgramAsync()
    {
        if (!IsUp)
        {
            return;
        }

        await SignalAsync(_config.StopSignal, group: true).ConfigureAwait(false);
        await SignalAsync(Signals.Cont, group: true).ConfigureAwait(false);
        _gotTerm = true;
        _paused = false;
        _killTimer?.Dispose();
        var generation = _generation;
        var self = Self;
        _killTimer = Time.CreateTimer(_ => self.Send(new KillDue(generation)), null, _config.ShutdownTimeout, Timeout.InfiniteTimeSpan);
    }

    private static int SignalFor(char command) => command switch
    {
        'h' => Signals.Hup,
        'a' => Signals.Alrm,
        'i' => Signals.Interrupt,
        't' => Signals.Term,
        'q' => Signals.Quit,
        '1' => Signals.Usr1,
        _ => Signals.Usr2,
    };

    private void Reload()
    {
        if (_setup.Options.ConfigFile is not { } file)
        {
            Log.ReloadFailed(_setup.Log, "no -F file was given");
            return;
        }

        var warnings = new List<string>();
        var config = ConfigParser.Load(file, _setup.Directory.Module, Program.Defaults(_setup.Options), warnings, out var error);
        foreach (var w in warnings)
        {
            Log.ConfigWarning(_setup.Log, w);
        }

        if (config is null)
        {
            Log.ReloadFailed(_setup.Log, error!);
            return;
        }

        // The status layout is fixed for the life of supervise: clients must not see it change under them.
        _config = Program.ApplyOptions(config, _setup.Options) with { StatusLayout = _config.StatusLayout };

        // A new alarm_interval starts new windows: the counts so far were taken over another span.
        if (_restarts?.Period != _config.AlarmInterval)
        {
            (_restarts, _coreDumps) = (null, null);
        }

        Log.Reloaded(_setup.Log, file);
    }
}
