using System.Globalization;
using Trellis.OsProcess.Native;

namespace Trellis.OsProcess.Tests;

/// <summary>What the operating system says about processes, for assertions.</summary>
internal static class OsCheck
{
    /// <summary>True while a process with <paramref name="pid"/> exists (a zombie counts).</summary>
    public static bool Exists(int pid) => Libc.kill(pid, 0) == 0;

    /// <summary>True while any process is in group <paramref name="pgid"/>.</summary>
    public static bool GroupExists(int pgid) => Libc.kill(-pgid, 0) == 0;

    /// <summary>A field of /proc/PID/status, such as SigIgn.</summary>
    public static string? StatusField(int pid, string field) =>
        File.ReadLines("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/status")
            .FirstOrDefault(l => l.StartsWith(field + ":", StringComparison.Ordinal))?[(field.Length + 1)..].Trim();

    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "trellis-os-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }
}
