using System.Diagnostics;
using System.Globalization;
using System.Text;
using Trellis.OsProcess.Native;

namespace Trellis.OsProcess;

/// <summary>
/// The supervisor's end of a lifeline: a FIFO (mode 0600) the watchdog (<see cref="LifelineWatchdog"/>) reads as its
/// standard input. The supervisor tells it which programs to watch and, over and over, until when it may still act;
/// should the supervisor die (the FIFO's last writer goes) or freeze past that deadline, the watchdog kills every
/// watched program with its process group. A clean stop releases it first. This is what keeps a supervisor that is
/// SIGKILLed or SIGSTOPped from leaving programs running that another node is about to start again.
/// </summary>
public sealed class Lifeline : IDisposable
{
    private readonly Lock _gate = new();
    private int _fd;

    private Lifeline(string path, int fd)
    {
        Path = path;
        _fd = fd;
    }

    /// <summary>The FIFO: the watchdog's standard input (<see cref="ProgramSpec.StandardInput"/>).</summary>
    public string Path { get; }

    /// <summary>
    /// Creates the FIFO at <paramref name="path"/> and holds it open for writing (read-write, so that the open does not
    /// wait for the watchdog, and non-blocking, so that a stuck watchdog never blocks the supervisor).
    /// </summary>
    /// <param name="path">Where; a FIFO left there by a killed supervisor is reused, anything else is an error.</param>
    /// <param name="error">Why not, when null is returned.</param>
    /// <returns>The lifeline, or null.</returns>
    public static unsafe Lifeline? Create(string path, out string? error)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        error = null;
        if (Libc.mkfifo(path, 0x180 /* 0600 */) != 0 && Libc.LastError != Constants.EEXIST)
        {
            error = $"cannot create the FIFO {path}: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(Libc.LastError)}";
            return null;
        }

        Stat st;
        if (Libc.lstat(path, &st) != 0 || (st.Mode & Constants.SIfMt) != Constants.SIfIfo)
        {
            error = $"{path} exists and is not a FIFO; remove it";
            return null;
        }

        var fd = Libc.open(path, Constants.ORdWr | Constants.ONonBlock | Constants.OCloExec, 0);
        if (fd < 0)
        {
            error = $"cannot open {path}: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(Libc.LastError)}";
            return null;
        }

        return new Lifeline(path, fd);
    }

    /// <summary>The watchdog kills the watched programs if no later deadline comes within <paramref name="left"/>.</summary>
    /// <param name="left">How long the supervisor may still act.</param>
    /// <returns>False when the line could not be written.</returns>
    public bool ActFor(TimeSpan left) =>
        Send("deadline " + LifelineWatchdog.Nanoseconds(Stopwatch.GetTimestamp() + (long)(left.TotalSeconds * Stopwatch.Frequency)).ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// Watches program <paramref name="pid"/> (the leader of its process group), named with its start time, so a line
    /// read late (by a watchdog started again) never takes a process that reused the pid.
    /// </summary>
    /// <param name="pid">The program's pid.</param>
    /// <returns>False when the line could not be written, or the process is gone.</returns>
    public bool Watch(int pid) => ProcessStat.Of(pid) is { } stat
        && Send(string.Create(CultureInfo.InvariantCulture, $"watch {pid} {stat.StartTicks}"));

    /// <summary>Stops watching <paramref name="pid"/> (it exited, or was stopped).</summary>
    /// <param name="pid">The program's pid.</param>
    /// <returns>False when the line could not be written.</returns>
    public bool Unwatch(int pid) => Send("unwatch " + pid.ToString(CultureInfo.InvariantCulture));

    /// <summary>A clean stop: the watchdog exits without killing anything.</summary>
    /// <returns>False when the line could not be written.</returns>
    public bool Release() => Send("release");

    /// <summary>Closes the FIFO (the watchdog sees its end: without a release first, it kills what it watches) and removes it.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_fd < 0)
            {
                return;
            }

            _ = Libc.close(_fd);
            _fd = -1;
        }

        try
        {
            File.Delete(Path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The next supervisor reuses it.
        }
    }

    private unsafe bool Send(string line)
    {
        var bytes = Encoding.ASCII.GetBytes(line + "\n");
        Debug.Assert(bytes.Length <= 512, "a lifeline line fits in one atomic pipe write");
        lock (_gate)
        {
            if (_fd < 0)
            {
                return false;
            }

            fixed (byte* p = bytes)
            {
                nint written;
                do
                {
                    written = Libc.write(_fd, p, (nuint)bytes.Length);
                }
                while (written < 0 && Libc.LastError == Constants.EINTR);

                return written == bytes.Length;
            }
        }
    }
}
