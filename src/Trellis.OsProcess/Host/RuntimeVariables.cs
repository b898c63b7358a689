using Trellis.OsProcess.Internal;

namespace Trellis.OsProcess;

/// <summary>
/// Runtime settings that exist only as environment variables read when the runtime starts (<c>DOTNET_GCgen0size</c>):
/// a long-lived command re-executes itself once, first thing, with them set; the pid stays the same, and the programs
/// it starts do not inherit them.
/// </summary>
public static class RuntimeVariables
{
    /// <summary>
    /// Re-executes the process with each missing variable set, marked with <paramref name="marker"/>; returns at once in
    /// the re-executed process, when nothing is missing, or if exec fails. A variable the user set is left as set.
    /// </summary>
    /// <param name="marker">An environment variable naming what the re-exec added, so it is removed again.</param>
    /// <param name="variables">The variables and their values.</param>
    public static void Ensure(string marker, params (string Name, string Value)[] variables) => RuntimeReexec.Ensure(marker, variables);
}
