namespace Trellis.Daemon.Cli;

/// <summary>
/// The two commands that need the daemon's own code (the tree file's parser, the engine): the daemon runs them in
/// process; the native client hands the process over to the daemon for them.
/// </summary>
internal interface IDaemonCommands
{
    /// <summary><c>trellis up FILE</c>: runs the tree until SIGTERM or SIGINT; the exit code.</summary>
    Task<int> UpAsync(UpOptions options);

    /// <summary><c>trellis check FILE</c>: checks the tree file; the exit code.</summary>
    int Check(string file);
}

/// <summary>What <c>trellis up</c> was given.</summary>
/// <param name="File">The tree file.</param>
/// <param name="Socket">--socket, when given.</param>
/// <param name="Port">--port, when given.</param>
/// <param name="NoDashboard">--no-dashboard.</param>
/// <param name="StateDir">--state-dir: overrides the file's state_dir.</param>
/// <param name="Cluster">--cluster: etcd's endpoints (comma-separated URLs); null runs the tree alone.</param>
/// <param name="NodeName">--node: this daemon's node name in the cluster, name@host.</param>
internal sealed record UpOptions(string File, string? Socket, int? Port, bool NoDashboard, string? StateDir = null, string? Cluster = null, string? NodeName = null);
