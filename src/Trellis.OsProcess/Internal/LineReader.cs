using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Trellis.OsProcess.Internal;

/// <summary>Reads a program's output pipe line by line until every writer has closed it.</summary>
internal static class LineReader
{
    /// <summary>Starts reading <paramref name="fd"/>; null when there is no pipe.</summary>
    public static Task? Start(int fd, Action<string>? onLine)
    {
        if (fd < 0 || onLine is null)
        {
            return null;
        }

        // A pipe read blocks a thread: the reader gets its own, and its owner awaits it when the program ends.
        return Task.Factory.StartNew(
            () => Read(fd, onLine), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
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

    private static void Read(int fd, Action<string> onLine)
    {
        using var stream = new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Read, bufferSize: 0);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (reader.ReadLine() is { } line)
        {
            onLine(line);
        }
    }
}
