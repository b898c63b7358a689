using Trellis.OsProcess.Native;

namespace Trellis.OsProcess;

/// <summary>The file operations .NET has no API for: a path's type and owner without following links, modes, groups, the file mode mask.</summary>
public static class UnixFiles
{
    /// <summary>Whether <paramref name="path"/> is a Unix socket (a link to one is not).</summary>
    /// <param name="path">The path.</param>
    /// <returns>True for a socket.</returns>
    public static unsafe bool IsSocket(string path)
    {
        Stat st;
        return Libc.lstat(path, &st) == 0 && (st.Mode & Constants.SIfMt) == 0xC000 /* S_IFSOCK */;
    }

    /// <summary>The uid that owns <paramref name="path"/> (a link itself, not what it points to).</summary>
    /// <param name="path">The path.</param>
    /// <returns>The owner, or null when the path does not exist.</returns>
    public static unsafe uint? OwnerOf(string path)
    {
        Stat st;
        return Libc.lstat(path, &st) == 0 ? st.Uid : null;
    }

    /// <summary>Sets a path's mode (<c>chmod</c>): what <see cref="File.SetUnixFileMode(string, UnixFileMode)"/> cannot do to a socket.</summary>
    /// <param name="path">The path.</param>
    /// <param name="mode">The mode, such as <c>0x180</c> (0600).</param>
    /// <returns>True when it was set.</returns>
    public static bool SetMode(string path, int mode) => Libc.chmod(path, (uint)mode) == 0;

    /// <summary>Gives a path to a group, keeping its owner.</summary>
    /// <param name="path">The path.</param>
    /// <param name="gid">The group.</param>
    /// <returns>Null, or a sentence saying why it could not.</returns>
    public static string? ChangeGroup(string path, uint gid) => Groups.ChangeGroup(path, gid);

    /// <summary>
    /// Until disposed, files this process creates are readable and writable by their owner only (umask 077): for a
    /// socket or a secret that must never exist, even for an instant, with a wider mode. The mask is per process.
    /// </summary>
    /// <returns>Restores the previous mask when disposed.</returns>
    public static IDisposable OwnerOnlyNewFiles() => new Mask(Libc.umask(0x3F /* 077 */));

    private sealed class Mask(uint previous) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                _ = Libc.umask(previous);
            }
        }
    }
}
