using Microsoft.Win32.SafeHandles;
using Trellis.OsProcess.Internal;
using Trellis.OsProcess.Native;

namespace Trellis.OsProcess;

/// <summary>
/// A program started outside any supervision, in its own session, whose standard output this process reads: how a
/// command puts a copy of itself in the background and waits for it to say it is ready. Nothing reaps it but
/// <see cref="WaitForExit"/>.
/// </summary>
public sealed class DetachedProgram : IDisposable
{
    private DetachedProgram(int pid, int stdout)
    {
        Pid = pid;
        StandardOutput = new FileStream(new SafeFileHandle(stdout, ownsHandle: true), FileAccess.Read, 1);
    }

    /// <summary>Its pid.</summary>
    public int Pid { get; }

    /// <summary>The read end of its standard output, which is always piped here, whatever the spec says.</summary>
    public Stream StandardOutput { get; }

    /// <summary>Starts <paramref name="spec"/> with posix_spawn, in a new session, without a supervisor or a reaper.</summary>
    /// <param name="spec">The program; its standard output goes to <see cref="StandardOutput"/>, not where the spec says.</param>
    /// <param name="failure">Why it did not start, when null is returned.</param>
    /// <returns>The program, or null.</returns>
    public static DetachedProgram? Start(ProgramSpec spec, out SpawnFailure? failure)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var result = Spawner.Spawn(spec with { StandardOutput = OutputTarget.Lines(static _ => { }) }, static _ => true);
        failure = result.Failure;
        return failure is null ? new DetachedProgram(result.Pid, result.StdoutPipe) : null;
    }

    /// <summary>Waits until it has exited and reaps it (<c>waitpid</c> on its pid alone).</summary>
    /// <returns>The raw wait status.</returns>
    public unsafe int WaitForExit()
    {
        int status;
        while (Libc.waitpid(Pid, &status, 0) < 0 && Libc.LastError == Constants.EINTR)
        {
        }

        return status;
    }

    /// <summary>Closes <see cref="StandardOutput"/>.</summary>
    public void Dispose() => StandardOutput.Dispose();
}
