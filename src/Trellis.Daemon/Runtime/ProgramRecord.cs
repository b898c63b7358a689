using System.Globalization;
using Trellis.OsProcess;

namespace Trellis.Daemon.Runtime;

/// <summary>
/// <c>state_dir/NAME/program</c>: the pid of the program the daemon runs for a service and that process's start
/// time in clock ticks since boot, written as soon as it is spawned. A daemon killed with SIGKILL leaves its programs
/// behind; the next <c>trellis up</c> on the state directory finds each one by this record, proves it is that very
/// process (same pid, same start, still leading its own session and group), and stops it with its group before
/// anything starts, so a service never runs twice.
/// </summary>
internal static class ProgramRecord
{
    public const string FileName = "program";

    /// <summary>Records <paramref name="pid"/> in <paramref name="dir"/>; false when it cannot (the process is already gone, or the disk refuses).</summary>
    public static bool Write(string dir, int pid)
    {
        if (ProcessStat.Of(pid) is not { } stat)
        {
            return false;
        }

        try
        {
            var path = Path.Combine(dir, FileName);
            var temp = path + ".new";
            File.WriteAllText(temp, string.Create(CultureInfo.InvariantCulture, $"{pid} {stat.StartTicks}\n"));
            File.Move(temp, path, overwrite: true);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The recorded program, if it still runs as that same process; 0 otherwise.</summary>
    public static int FindRunning(string dir)
    {
        try
        {
            var path = Path.Combine(dir, FileName);
            if (!File.Exists(path))
            {
                return 0;
            }

            var parts = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return parts.Length == 2
                && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                && ProcessGroups.IsLeader(pid, out var stat) && stat.StartTicks == ticks
                ? pid
                : 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>Forgets the record (the program ended under the daemon's eyes).</summary>
    public static void Clear(string dir)
    {
        try
        {
            File.Delete(Path.Combine(dir, FileName));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }
}
