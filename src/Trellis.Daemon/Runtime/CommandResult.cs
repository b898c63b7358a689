namespace Trellis.Daemon.Runtime;

/// <summary>What a command did. <see cref="Code"/> is the CLI's exit code (see <see cref="ExitCodes"/>).</summary>
internal sealed record CommandResult(int Code, string Message)
{
    public bool Ok => Code == ExitCodes.Ok;

    public static CommandResult Done(string message) => new(ExitCodes.Ok, message);

    public static CommandResult Failed(string message) => new(ExitCodes.Failed, message);

    public static CommandResult NoSuchNode(string name) =>
        new(ExitCodes.NoSuchNode, $"no node named '{name}' in the tree (see `trellis status`)");
}

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
}
