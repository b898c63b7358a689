using Trellis.OsProcess.Internal;
using Trellis.OsProcess.Native;

namespace Trellis.OsProcess.StatusFiles;

/// <summary>
/// Reads command bytes from a status directory's control FIFO on the shared <see cref="FdPoller"/> thread (no thread
/// of its own, so a daemon can watch a thousand of them) and hands each one but zero to its handler. The FIFO is open
/// read-write by its owner, so it never reads end of file; <see cref="StopAsync"/> ends the watch. The
/// <see cref="ControlGate"/> decides which bytes are handed on: its owner calls <see cref="ControlGate.Taken"/> as each
/// one is handled.
/// </summary>
public sealed class ControlReader
{
    private readonly StatusDirectory _dir;
    private readonly Action<byte> _onCommand;
    private readonly ControlGate _gate;
    private readonly Task _watch;

    /// <summary>Starts watching the directory's control FIFO (open it first with <see cref="StatusDirectory.OpenControl"/>).</summary>
    /// <param name="dir">The status directory.</param>
    /// <param name="gate">Decides which bytes are handed on.</param>
    /// <param name="onCommand">Called with each byte handed on, on the poller's thread.</param>
    public ControlReader(StatusDirectory dir, ControlGate gate, Action<byte> onCommand)
    {
        _dir = dir;
        _gate = gate;
        _onCommand = onCommand;
        _watch = FdPoller.Shared.Watch(dir.ControlFd, Drain, closeWhenDone: false);
    }

    /// <summary>Ends the watch; the FIFO stays open.</summary>
    /// <returns>Completes once no handler call is running or will run.</returns>
    public async Task StopAsync()
    {
        FdPoller.Shared.Unwatch(_dir.ControlFd);
        await _watch.ConfigureAwait(false);
    }

    private unsafe bool Drain(int fd)
    {
        var buffer = stackalloc byte[4096];
        while (true)
        {
            var n = (int)Libc.read(fd, buffer, 4096);
            if (n < 0 && Libc.LastError == Constants.EINTR)
            {
                continue;
            }

            if (n <= 0)
            {
                // EAGAIN: drained until the next byte comes.
                return true;
            }

            for (var i = 0; i < n; i++)
            {
                if (buffer[i] != 0 && _gate.TryQueue(buffer[i]))
                {
                    _onCommand(buffer[i]);
                }
            }
        }
    }
}
