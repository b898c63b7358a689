using System.Globalization;
using System.Text;
using Trellis.OsProcess.Native;

namespace Trellis.OsProcess.ControlGroups;

/// <summary>Reads and writes the kernel's cgroup files: one write per value, and the errno when the kernel refuses it.</summary>
internal static unsafe class CgroupFile
{
    /// <summary>Writes <paramref name="value"/> to <paramref name="path"/> in one write; returns 0 or the errno.</summary>
    public static int Write(string path, string value)
    {
        var fd = Libc.open(path, Constants.OWrOnly | Constants.OCloExec, 0);
        if (fd < 0)
        {
            return Libc.LastError;
        }

        try
        {
            var bytes = Encoding.ASCII.GetBytes(value);
            fixed (byte* p = bytes)
            {
                return Libc.write(fd, p, (nuint)bytes.Length) == bytes.Length ? 0 : Libc.LastError;
            }
        }
        finally
        {
            _ = Libc.close(fd);
        }
    }

    /// <summary>The file's text; null when it cannot be read (the group is gone, or the controller has no such file).</summary>
    public static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>A number from a one-value file (<c>memory.usage_in_bytes</c>, <c>cpuacct.usage</c>); null when unreadable.</summary>
    public static long? ReadNumber(string path) =>
        Read(path) is { } text && long.TryParse(text.AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>The value of <paramref name="key"/> in a flat keyed file (<c>memory.events</c>, <c>cpu.stat</c>); null when absent.</summary>
    public static long? ReadKey(string path, string key)
    {
        if (Read(path) is not { } text)
        {
            return null;
        }

        foreach (var line in text.Split('\n'))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && line.AsSpan(0, space).SequenceEqual(key)
                && long.TryParse(line.AsSpan(space + 1).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                return n;
            }
        }

        return null;
    }

    /// <summary>The pids listed in a <c>cgroup.procs</c> file; empty when it cannot be read.</summary>
    public static List<int> ReadPids(string path)
    {
        var pids = new List<int>();
        if (Read(path) is { } text)
        {
            foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                if (int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                {
                    pids.Add(pid);
                }
            }
        }

        return pids;
    }
}
