using System.Runtime.InteropServices;

namespace Trellis.Internal;

/// <summary>The three libc calls that make a rename durable: open the directory, fsync it, close it.</summary>
internal static partial class DirectorySync
{
    /// <summary>O_RDONLY | O_DIRECTORY | O_CLOEXEC on Linux.</summary>
    public const int ReadOnlyDirectory = 0x10000 | 0x80000;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);
}
