using Trellis.OsProcess.Native;

namespace Trellis.OsProcess.StatusFiles;

/// <summary>
/// Reads command bytes from the control FIFO on a thread of its own (a FIFO read blocks) and hands each to
/// <see cref="_onCommand"/>. Stopped by <see cref="StopAsync"/>, which wakes the read with a zero byte.
/// </summary>
internal sealed class ControlReader
{
    private readonly StatusDirectory _dir;
    private readonly Action<byte> _onCommand;
    private readonly Task _thread;
    private volatile bool _stopping;

    public ControlReader(StatusDirectory dir, Action<byte> onCommand)
    {
        _dir = dir;
        _onCommand = onCommand;
        _thread = Task.Factory.StartNew(Run, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private unsafe void Run()
    {
        var buffer = stackalloc byte[64];
        while (!_stopping)
        {
            var n = Libc.read(_dir.ControlFd, buffer, 64);
            if (n < 0)
            {
                if (Libc.LastError == Constants.EINTR)
                {
                    continue;
                }

                throw new IOException("reading the control FIFO failed: " + System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(Libc.LastError));
            }

            for (var i = 0; i < n && !_stopping; i++)
            {
                if (buffer[i] != 0)
                {
                    _onCommand(buffer[i]);
                }
            }
        }
    }

    public async Task StopAsync()
    {
        _stopping = true;
        _dir.PokeControl();
        await _thread.ConfigureAwait(false);
    }
}
