using Microsoft.Extensions.Logging;
using Trellis.Daemon.Config;
using Trellis.OsProcess;

namespace Trellis.Daemon.Runtime;

/// <summary>
/// Before a daemon starts anything: every program a killed predecessor left running in the same state directory
/// (found through <see cref="ProgramRecord"/>, in the directories of services still in the tree and of ones since
/// removed) is stopped with its whole process group, all at once, each with its service's stop signal and shutdown
/// timeout (TERM and 10 s for a service no longer in the tree, or whose shutdown is infinity).
/// </summary>
internal static class Leftovers
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Stops them; the error names any that would not stop (then the daemon starts nothing).</summary>
    public static async Task<string?> StopAllAsync(DaemonConfig config, ILogger logger)
    {
        if (!Directory.Exists(config.StateDir))
        {
            return null;
        }

        var services = config.AllNodes().OfType<ServiceConfig>().ToDictionary(s => s.Name, StringComparer.Ordinal);
        var stops = new List<(string Name, int Pid, Task<bool> Stopped)>();
        foreach (var dir in Directory.GetDirectories(config.StateDir).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(dir);
            var pid = ProgramRecord.FindRunning(dir);
            if (pid == 0)
            {
                continue;
            }

            var service = services.GetValueOrDefault(name);
            var signal = service?.StopSignal ?? OsProcess.Signals.Term;
            // brutal_kill: SIGKILL at once; infinity is bounded here too, since nothing may start before this ends.
            var timeout = service?.Shutdown switch
            {
                { Kind: ShutdownKind.Timeout } s => s.Timeout,
                { Kind: ShutdownKind.BrutalKill } => TimeSpan.Zero,
                _ => DefaultTimeout,
            };
            Log.LeftoverFound(logger, name, pid);
            stops.Add((name, pid, Task.Run(() => ProcessGroups.Stop(pid, signal, timeout))));
        }

        await Task.WhenAll(stops.Select(s => s.Stopped)).ConfigureAwait(false);
        var stuck = stops.Where(s => !s.Stopped.Result).Select(s => $"{s.Name} (pid {s.Pid})").ToList();
        foreach (var (name, _, stopped) in stops.Where(s => s.Stopped.Result))
        {
            ProgramRecord.Clear(Path.Combine(config.StateDir, name));
        }

        return stuck.Count == 0 ? null : $"programs left by a previous daemon would not stop: {string.Join(", ", stuck)}; nothing was started";
    }
}
