using Trellis.OsProcess.StatusFiles;
using Microsoft.Extensions.Logging;
using Trellis.OsProcess;

namespace Trellis.Supervise;

/// <summary>Everything the service server needs, prepared by the command before it starts.</summary>
internal sealed record ServiceSetup(
    StatusDirectory Directory,
    SuperviseOptions Options,
    SuperviseConfig Config,
    ProgramSpec Program,
    ILogger Log,
    Alarmer Alarmer,
    TimeProvider Time)
{
    /// <summary>What the control FIFO may queue; the server takes each command it handles off it.</summary>
    public ControlGate Control { get; } = new();
}

/// <summary>Asks supervise to stop the program as d does, then exit (SIGTERM or SIGINT to supervise).</summary>
internal sealed record TerminateRequest(string Why);

/// <summary>Why supervise exited, as its exit code.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int GaveUp = 2;
    public const int Usage = 100;
    public const int Temporary = 111;

    public static readonly ExitReason GaveUpReason = ExitReason.Atom("gave_up");
}
