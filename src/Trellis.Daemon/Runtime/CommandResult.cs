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
