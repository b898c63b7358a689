namespace Trellis;

/// <summary>
/// Why the node stopped: an application whose start type demanded it terminated
/// (<c>{application_terminated, App, Reason}</c>, exit code 1), or <see cref="ApplicationController.StopNodeAsync"/> was
/// called (exit code 0).
/// </summary>
/// <param name="ExitCode">The exit code the process should end with.</param>
/// <param name="Application">The application that terminated, or null for an orderly stop.</param>
/// <param name="Reason">Its exit reason, or null for an orderly stop.</param>
public sealed record NodeStop(int ExitCode, string? Application, ExitReason? Reason)
{
    /// <inheritdoc />
    public override string ToString() => Application is null
        ? "stopped"
        : Terms.Tuple(new Atom("application_terminated"), new Atom(Application), Reason);
}
