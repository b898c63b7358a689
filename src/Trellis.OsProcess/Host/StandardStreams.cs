using Trellis.OsProcess.Native;

namespace Trellis.OsProcess;

/// <summary>The process's own standard streams, as a daemon leaves them.</summary>
public static class StandardStreams
{
    /// <summary>
    /// Points descriptors 1 and 2 at <c>/dev/null</c>, as a daemon's: whoever waits for this command's output to end
    /// stops waiting. Close <see cref="Console.Out"/> first: it writes through a descriptor of its own.
    /// </summary>
    /// <returns>True when both were redirected.</returns>
    public static bool DetachOutput()
    {
        var devNull = Libc.open("/dev/null", Constants.ORdWr, 0);
        if (devNull < 0)
        {
            return false;
        }

        var ok = Libc.dup2(devNull, 1) >= 0 && Libc.dup2(devNull, 2) >= 0;
        _ = Libc.close(devNull);
        return ok;
    }
}
