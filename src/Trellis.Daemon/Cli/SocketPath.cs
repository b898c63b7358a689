using Trellis.OsProcess.Native;

namespace Trellis.Daemon.Cli;

/// <summary>Where the control socket is: <c>--socket</c>, <c>$TRELLIS_SOCKET</c>, or a per-user default.</summary>
internal static class SocketPath
{
    /// <summary><c>$XDG_RUNTIME_DIR/trellis/trellis.sock</c>, or <c>/tmp/trellis-UID/trellis.sock</c>.</summary>
    public static string Default()
    {
        if (Environment.GetEnvironmentVariable("TRELLIS_SOCKET") is { Length: > 0 } env)
        {
            return Path.GetFullPath(env);
        }

        var runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        var dir = string.IsNullOrEmpty(runtime) ? $"/tmp/trellis-{Libc.getuid()}" : Path.Combine(runtime, "trellis");
        return Path.Combine(dir, "trellis.sock");
    }

    /// <summary>
    /// Makes sure the socket's directory exists; a directory the daemon creates is 0700. An existing directory that
    /// others may write to is refused, since someone else could put their own socket there.
    /// </summary>
    public static string? PrepareDirectory(string socket)
    {
        var dir = Path.GetDirectoryName(socket)!;
        if (!Directory.Exists(dir))
        {
            Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
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
