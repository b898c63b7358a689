using Trellis.Daemon.Config;
using Trellis.OsProcess;

namespace Trellis.Daemon.Cli;

/// <summary>Where the control socket is: <c>--socket</c>, <c>$TRELLIS_SOCKET</c>, or a per-user default.</summary>
internal static class SocketPath
{
    /// <summary>The system daemon's socket: root's default, and where other users' clients look when they run none.</summary>
    public const string System = "/run/trellis/trellis.sock";

    /// <summary>
    /// The daemon's default: <see cref="System"/> for root; for other users <c>$XDG_RUNTIME_DIR/trellis/trellis.sock</c>,
    /// or <c>/tmp/trellis-UID/trellis.sock</c>.
    /// </summary>
    public static string Default()
    {
        if (Environment.GetEnvironmentVariable("TRELLIS_SOCKET") is { Length: > 0 } env)
        {
            return Path.GetFullPath(env);
        }

        return UnixAccounts.RealUserId == 0 ? System : Own();
    }

    /// <summary>
    /// The client's default: like <see cref="Default"/>, but a user who runs no daemon of their own reaches the
    /// system daemon's socket (which lets them in if they are in its admins group).
    /// </summary>
    public static string ForClient()
    {
        var own = Default();
        return Environment.GetEnvironmentVariable("TRELLIS_SOCKET") is not { Length: > 0 } && !File.Exists(own) && File.Exists(System) ? System : own;
    }

    private static string Own()
    {
        var runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        var dir = string.IsNullOrEmpty(runtime) ? $"/tmp/trellis-{UnixAccounts.RealUserId}" : Path.Combine(runtime, "trellis");
        return Path.Combine(dir, "trellis.sock");
    }

    /// <summary>
    /// Makes sure the socket's directory exists; a directory the daemon creates is 0700, or 0710 with the admins
    /// group, so its members can reach the socket and nobody else can. An existing directory that others may write to
    /// is refused, since someone else could put their own socket there.
    /// </summary>
    public static string? PrepareDirectory(string socket, AdminGroup? admins)
    {
        try
        {
            return Prepare(Path.GetDirectoryName(socket)!, admins);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"cannot prepare the socket's directory for {socket}: {ex.Message}";
        }
    }

    private static string? Prepare(string dir, AdminGroup? admins)
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
