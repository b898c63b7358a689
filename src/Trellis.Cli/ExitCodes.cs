namespace Trellis.Daemon.Runtime;

/// <summary>The CLI's exit codes; stable, documented in the README.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    public const int NoDaemon = 3;

    /// <summary>For <c>status</c>, as systemctl's 3: a node shown is not running (with no daemon, nothing is).</summary>
    public const int NotRunning = 3;
    public const int NoSuchNode = 4;
    public const int BadTree = 5;
    public const int AlreadyRunning = 6;
    public const int Refused = 7;

    /// <summary><c>trellis up --cluster</c>: etcd did not answer, or the node could not join the cluster.</summary>
    public const int NoCluster = 8;
}
