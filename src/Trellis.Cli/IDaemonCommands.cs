namespace Trellis.Daemon.Cli;

/// <summary>
/// The two commands that need the daemon's own code (the tree file's parser, the engine): the daemon runs them in
/// process; the native client hands the process over to the daemon for them.
/// </summary>
internal interface IDaemonCommands
{
    /// <summary><c>trellis up FILE</c>: runs the tree until SIGTERM or SIGINT; the exit code.</summary>
    Task<int> UpAsync(string file, string? socket, int? port, bool noDashboard);

    /// <summary><c>trellis check FILE</c>: checks the tree file; the exit code.</summary>
    int Check(string file);
}
