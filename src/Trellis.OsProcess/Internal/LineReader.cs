using System.Text;
using Trellis.OsProcess.Native;

namespace Trellis.OsProcess.Internal;

/// <summary>
/// Reads a program's output pipe line by line until every writer has closed it, on the shared
/// <see cref="FdPoller"/> thread rather than a thread per pipe. A line longer than <see cref="MaxLine"/> bytes is
/// passed on in pieces of that size; a last line without a newline is passed on at the end. <see cref="Cut"/> ends it
/// early: what the pipe holds is read, and the pipe is closed, so a process that left the program's group and still
/// holds the pipe can never keep the program's exit waiting.
/// </summary>
internal sealed class LineReader
{
    /// <summary>The longest line passed on whole.</summary>
    public const int MaxLine = 16 * 1024;

    /// <summary>The most one wake-up reads, so one chatty program cannot starve the other pipes on the poller.</summary>
    private const int TurnLimit = 256 * 1024;

    /// <summary>The most a cut reads: more than any pipe holds (64 KiB on Linux by default).</summary>
    private const int CutLimit = 1024 * 1024;

    private readonly Lock _lock = new();
    private readonly Action<string> _onLine;
    private readonly int _fd;
    private byte[]? _pending;
    private int _pendingLength;
    private bool _cut;

    // Set under the lock when end of file is read: the poller closes the descriptor right after, so a cut must not
    // touch it again (its number may already belong to another pipe).
    private bool _ended;

    private LineReader(int fd, Action<string> onLine)
    {
        _fd = fd;
        _onLine = onLine;
        Completion = FdPoller.Shared.Watch(fd, OnReadable);
    }

    /// <summary>Completes at end of file, or when cut.</summary>
    public Task Completion { get; }

    /// <summary>Starts reading <paramref name="fd"/>, which it then owns; null when there is no pipe.</summary>
    public static LineReader? Start(int fd, Action<string>? onLine) => fd < 0 || onLine is null ? null : new LineReader(fd, onLine);

    /// <summary>Reads what is in the pipe now, passes on a last partial line, and closes the pipe.</summary>
    public void Cut()
    {
        lock (_lock)
        {
            if (_cut || _ended)
            {
                return;
            }

            try
            {
                // Bounded: a holder that writes without pause cannot keep the cut going.
                _ = Drain(_fd, CutLimit);
            }
            catch (IOException)
            {
                // A pipe that cannot be read is closed all the same.
            }

            if (_pendingLength > 0)
            {
                Emit([]);
            }

            _cut = true;
        }

        FdPoller.Shared.Unwatch(_fd);
    }

    private bool OnReadable(int fd)
    {
        lock (_lock)
        {
            // Cut meanwhile: the descriptor is no longer ours to read.
            if (_cut)
            {
                return false;
            }

            var more = false;
            try
            {
                more = Drain(fd, TurnLimit);
                return more;
            }
            finally
            {
                // End of file, or a read error the poller ends the watch for: either way the descriptor is gone.
                _ended = !more;
            }
        }
    }

    private unsafe bool Drain(int fd, long limit)
    {
        var buffer = stackalloc byte[8192];
        for (long total = 0; total < limit;)
        {
            var n = (int)Libc.read(fd, buffer, 8192);
            if (n > 0)
            {
                Split(new ReadOnlySpan<byte>(buffer, n));
                total += n;
                continue;
            }

            if (n == 0)
            {
                if (_pendingLength > 0)
                {
                    Emit([]);
                }

                return false;
            }

            var errno = Libc.LastError;
            if (errno == Constants.EINTR)
            {
                continue;
            }

            if (errno == Constants.EAGAIN)
            {
                return true;
            }

            throw new IOException("reading a program's output failed: " + System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno));
        }

        // More may be waiting: the poller is level-triggered and comes back, after the other descriptors' turn.
        return true;
    }

    private void Split(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            var nl = data.IndexOf((byte)'\n');
            var room = MaxLine - _pendingLength;
            if (nl < 0 || nl > room)
            {
                var take = Math.Min(data.Length, room);
                Append(data[..take]);
                data = data[take..];
                if (_pendingLength == MaxLine)
                {
                    Emit([]);
                }

                continue;
            }

            Emit(data[..nl]);
            data = data[(nl + 1)..];
        }
    }

    private void Append(ReadOnlySpan<byte> part)
    {
        if (_pending is null || _pending.Length < _pendingLength + part.Length)
        {
            Array.Resize(ref _pending, Math.Min(MaxLine, Math.Max(256, (_pendingLength + part.Length) * 2)));
        }

        part.CopyTo(_pending.AsSpan(_pendingLength));
        _pendingLength += part.Length;
    }

    private void Emit(ReadOnlySpan<byte> tail)
    {
        string line;
        if (_pendingLength == 0)
        {
            line = Encoding.UTF8.GetString(tail);
        }
        else
        {
            Append(tail);
            line = Encoding.UTF8.GetString(_pending.AsSpan(0, _pendingLength));
            _pendingLength = 0;
            if (_pending!.Length > 1024)
            {
                _pending = null;
            }
        }

        if (line.EndsWith('\r'))
        {
            line = line[..^1];
        }

        _onLine(line);
    }
}
