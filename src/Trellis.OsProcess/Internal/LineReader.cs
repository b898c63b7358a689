using System.Text;
using Trellis.OsProcess.Native;

namespace Trellis.OsProcess.Internal;

/// <summary>
/// Reads a program's output pipe line by line until every writer has closed it, on the shared
/// <see cref="FdPoller"/> thread rather than a thread per pipe. A line longer than <see cref="MaxLine"/> bytes is
/// passed on in pieces of that size; a last line without a newline is passed on at the end.
/// </summary>
internal sealed class LineReader
{
    /// <summary>The longest line passed on whole.</summary>
    public const int MaxLine = 16 * 1024;

    private readonly Action<string> _onLine;
    private byte[]? _pending;
    private int _pendingLength;

    private LineReader(Action<string> onLine) => _onLine = onLine;

    /// <summary>Starts reading <paramref name="fd"/>, which it then owns; null when there is no pipe.</summary>
    public static Task? Start(int fd, Action<string>? onLine)
    {
        if (fd < 0 || onLine is null)
        {
            return null;
        }

        var reader = new LineReader(onLine);
        return FdPoller.Shared.Watch(fd, reader.OnReadable);
    }

    public static async Task WaitAsync(Task? stdout, Task? stderr)
    {
        if (stdout is not null)
        {
            await stdout.ConfigureAwait(false);
        }

        if (stderr is not null)
        {
            await stderr.ConfigureAwait(false);
        }
    }

    private unsafe bool OnReadable(int fd)
    {
        var buffer = stackalloc byte[8192];
        while (true)
        {
            var n = (int)Libc.read(fd, buffer, 8192);
            if (n > 0)
            {
                Split(new ReadOnlySpan<byte>(buffer, n));
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
