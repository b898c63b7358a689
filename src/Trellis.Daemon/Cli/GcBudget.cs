using Trellis.OsProcess;

namespace Trellis.Daemon.Cli;

/// <summary>
/// The daemon's gen0 budget. By default the GC sizes gen0 from the CPU cache, and on a large-cache machine garbage
/// piles up to ~100 MB before the first collection: 158 MB of RSS at 1,000 services, against 83 MB with a 4 MB
/// budget. The budget can only be set before the runtime starts (the <c>DOTNET_GCgen0size</c> variable; it has no
/// runtimeconfig name), so <c>trellis up</c> re-executes itself once with it set. The pid stays the same, and the
/// services do not inherit the variable.
/// </summary>
internal static class GcBudget
{
    /// <summary>Re-executes the process with the budget set, unless it is set already; returns only if it cannot.</summary>
    public static void EnsureForDaemon() => RuntimeVariables.Ensure("TRELLIS_GC_BUDGET_SET", ("DOTNET_GCgen0size", "0x400000"));
}
