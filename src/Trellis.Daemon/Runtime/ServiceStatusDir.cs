using Trellis.OsProcess.StatusFiles;

namespace Trellis.Daemon.Runtime;

/// <summary>
/// A service's seed-compatible status directory, kept by the daemon: <c>lock</c> held, <c>control</c> and
/// <c>ok</c> FIFOs open, <c>status</c> rewritten on every change, <c>__stdout</c>/<c>__stderr</c> the program's
/// output. So <c>svc</c>, <c>svok</c>, <c>svstat</c>, <c>od</c> and <c>fuser</c> work per service as with supervise.
/// Control bytes are read on the shared poller thread.
/// </summary>
internal sealed class ServiceStatusDir : IDisposable
{
    private readonly StatusDirectory _dir;
    private readonly StatusLayout _layout;
    private readonly Lock _writeLock = new();
    private ControlReader? _control;
    private bool _disposed;

    private ServiceStatusDir(StatusDirectory dir, StatusLayout layout)
    {
        _dir = dir;
        _layout = layout;
    }

    public string Path => _dir.Path;

    /// <summary>Creates and locks the directory and opens its FIFOs; an error says what went wrong.</summary>
    public static ServiceStatusDir? Open(string path, bool runit, out string? error)
    {
        var dir = StatusDirectory.Create(path, out error);
        if (dir is null)
        {
            return null;
        }

        if (!dir.TryLock(out error) || !dir.OpenControl(out error) || !dir.OpenOk(out error))
        {
            dir.Dispose();
            error = error?.Replace("another supervise", "another supervise or trellis daemon", StringComparison.Ordinal);
            return null;
        }

        // daemontools' clients look in <service>/supervise/: a link back to the directory itself lets
        // `svc -d <state>/<name>` and `svok <state>/<name>` work with no service directory of their own.
        var link = System.IO.Path.Combine(dir.Path, "supervise");
        if (!File.Exists(link) && !Directory.Exists(link))
        {
            File.CreateSymbolicLink(link, ".");
        }

        return new ServiceStatusDir(dir, runit ? StatusLayout.Runit : StatusLayout.Seed);
    }

    /// <summary>Starts passing control bytes (but zero bytes) to <paramref name="onCommand"/>.</summary>
    public void ReadControl(Action<byte> onCommand) => _control = new ControlReader(_dir, Control, onCommand);

    /// <summary>What the control FIFO may queue: the daemon takes each command off it once the command has run.</summary>
    public ControlGate Control { get; } = new();

    /// <summary>
    /// Rewrites <c>status</c>. Writers on several threads (starts, exits, commands) take turns, since each goes
    /// through the same status.new; a write that fails (the disk is full) leaves the last status in place.
    /// </summary>
    public bool Write(DateTimeOffset changed, int pid, bool paused, bool wantUp, bool gotTerm)
    {
        lock (_writeLock)
        {
            if (_disposed)
            {
                return false;
            }

            try
            {
                _dir.WriteStatus(new StatusRecord(changed, pid, paused, wantUp ? 'u' : 'd', gotTerm, false), _layout);
                return true;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }
    }

    public void Dispose()
    {
        lock (_writeLock)
        {
            _disposed = true;
        }

        // The watch ends at once (the poller completes it on Unwatch); a control byte being handled meanwhile only
        // queues a command, which the stopping daemon answers.
        _control?.StopAsync().GetAwaiter().GetResult();

        _dir.Dispose();
    }
}
