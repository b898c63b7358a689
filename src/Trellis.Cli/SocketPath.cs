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
}
