using Trellis.Daemon.Config;
using Trellis.OsProcess;

namespace Trellis.Daemon.Cli;

/// <summary>The control socket's directory, as the daemon prepares it before it listens.</summary>
internal static class SocketDirectory
{
    /// <summary>
    /// Makes sure the socket's directory exists; a directory the daemon creates is 0700, or 0710 with the admins
    /// group, so its members can reach the socket and nobody else can. An existing directory that others may write to
    /// is refused, since someone else could put their own socket there.
    /// </summary>
    public static string? Prepare(string socket, AdminGroup? admins)
    {
        try
        {
            return PrepareDirectory(Path.GetDirectoryName(socket)!, admins);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"cannot prepare the socket's directory for {socket}: {ex.Message}";
        }
    }

    private static string? PrepareDirectory(string dir, AdminGroup? admins)
    {
        if (!Directory.Exists(dir))
        {
            Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            if (admins is not null)
            {
                if (UnixFiles.ChangeGroup(dir, admins.Gid) is { } error)
                {
                    return error;
                }

                File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute);
            }

            return null;
        }

        var mode = File.GetUnixFileMode(dir);
        if ((mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0 && (mode & UnixFileMode.StickyBit) == 0)
        {
            return $"the socket's directory {dir} may be written by other users: choose a private directory with --socket";
        }

        return null;
    }
}
