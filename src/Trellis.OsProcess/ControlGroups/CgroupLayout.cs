namespace Trellis.OsProcess.ControlGroups;

/// <summary>
/// The cgroup hierarchies this process sits in, as /proc/self/mountinfo and /proc/self/cgroup give them: the directory
/// of its own group in the unified (v2) hierarchy, the controllers that hierarchy offers, and its own group's directory
/// in each v1 controller Trellis uses. Parsed by a pure function, so every host layout can be tested from text.
/// </summary>
internal sealed class CgroupLayout
{
    /// <summary>The v1 controllers Trellis uses: limits (memory, cpu, pids) and CPU accounting (cpuacct).</summary>
    public static readonly string[] V1Controllers = ["memory", "cpu", "cpuacct", "pids"];

    private static readonly Lazy<CgroupLayout> HostLayout = new(ReadHost);

    private CgroupLayout(string? v2Dir, IReadOnlySet<string> v2Controllers, IReadOnlyDictionary<string, string> v1Dirs)
    {
        V2Dir = v2Dir;
        V2Controllers = v2Controllers;
        V1Dirs = v1Dirs;
    }

    /// <summary>This process's own group in the unified hierarchy; null when none is mounted.</summary>
    public string? V2Dir { get; }

    /// <summary>The controllers the unified hierarchy offers below this process's group (<c>cgroup.controllers</c>).</summary>
    public IReadOnlySet<string> V2Controllers { get; }

    /// <summary>This process's own group in each mounted v1 controller Trellis uses, by controller.</summary>
    public IReadOnlyDictionary<string, string> V1Dirs { get; }

    /// <summary>The layout of this host, read once.</summary>
    public static CgroupLayout Host => HostLayout.Value;

    /// <summary>Where <paramref name="controller"/> is: the v2 hierarchy when it offers it, else its v1 hierarchy, else null.</summary>
    public string? HierarchyOf(string controller) =>
        V2Dir is not null && V2Controllers.Contains(controller) ? "v2" : V1Dirs.ContainsKey(controller) ? "v1" : null;

    /// <summary>A line for the log: what the host offers.</summary>
    public string Describe()
    {
        var parts = new List<string>();
        if (V2Dir is not null)
        {
            parts.Add($"v2 at {V2Dir} ({(V2Controllers.Count == 0 ? "no controllers" : string.Join(' ', V2Controllers.Order(StringComparer.Ordinal)))})");
        }

        foreach (var c in V1Controllers)
        {
            if (V1Dirs.TryGetValue(c, out var dir) && HierarchyOf(c) == "v1")
            {
                parts.Add($"v1 {c} at {dir}");
            }
        }

        return parts.Count == 0 ? "no cgroup hierarchy" : string.Join(", ", parts);
    }

    /// <summary>
    /// The layout from the text of /proc/self/mountinfo and /proc/self/cgroup, and a reader for a v2 group's
    /// <c>cgroup.controllers</c>.
    /// </summary>
    public static CgroupLayout Parse(string mountInfo, string selfCgroup, Func<string, string?> readControllers)
    {
        // /proc/self/cgroup: "4:memory:/a/b", "1:cpu,cpuacct:/", "0::/x" (the unified hierarchy).
        var own = new Dictionary<string, string>(StringComparer.Ordinal);
        string? ownV2 = null;
        foreach (var line in selfCgroup.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var first = line.IndexOf(':', StringComparison.Ordinal);
            var second = first < 0 ? -1 : line.IndexOf(':', first + 1);
            if (second < 0)
            {
                continue;
            }

            var controllers = line[(first + 1)..second];
            var path = line[(second + 1)..];
            if (line[..first] == "0" && controllers.Length == 0)
            {
                ownV2 = path;
                continue;
            }

            foreach (var c in controllers.Split(','))
            {
                own[c] = path;
            }
        }

        string? v2Dir = null;
        var v1 = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in mountInfo.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // "36 25 0:31 / /sys/fs/cgroup/memory rw,relatime shared:14 - cgroup cgroup rw,memory"
            var dash = line.IndexOf(" - ", StringComparison.Ordinal);
            if (dash < 0)
            {
                continue;
            }

            var left = line[..dash].Split(' ');
            var right = line[(dash + 3)..].Split(' ');
            if (left.Length < 5 || right.Length < 3)
            {
                continue;
            }

            var root = Unescape(left[3]);
            var mountPoint = Unescape(left[4]);
            if (right[0] == "cgroup2" && ownV2 is not null && v2Dir is null && Within(ownV2, root) is { } rel2)
            {
                v2Dir = Join(mountPoint, rel2);
            }
            else if (right[0] == "cgroup")
            {
                foreach (var opt in right[2].Split(','))
                {
                    if (Array.IndexOf(V1Controllers, opt) >= 0 && !v1.ContainsKey(opt) && own.TryGetValue(opt, out var path) && Within(path, root) is { } rel1)
                    {
                        v1[opt] = Join(mountPoint, rel1);
                    }
                }
            }
        }

        var v2Controllers = new HashSet<string>(StringComparer.Ordinal);
        if (v2Dir is not null && readControllers(v2Dir) is { } text)
        {
            foreach (var c in text.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries))
            {
                v2Controllers.Add(c);
            }
        }

        return new CgroupLayout(v2Dir, v2Controllers, v1);
    }

    private static CgroupLayout ReadHost()
    {
        var mountInfo = CgroupFile.Read("/proc/self/mountinfo") ?? string.Empty;
        var self = CgroupFile.Read("/proc/self/cgroup") ?? string.Empty;
        return Parse(mountInfo, self, dir => CgroupFile.Read(Path.Combine(dir, "cgroup.controllers")));
    }

    // A group's path relative to the mount's root; null when the mount does not show this group (a bind of another part).
    private static string? Within(string path, string root)
    {
        if (root == "/")
        {
            return path;
        }

        return path == root ? "/" : path.StartsWith(root + "/", StringComparison.Ordinal) ? path[root.Length..] : null;
    }

    private static string Join(string mountPoint, string relative) => relative == "/" ? mountPoint : mountPoint.TrimEnd('/') + relative;

    // mountinfo escapes space, tab, newline and backslash as octal.
    private static string Unescape(string field) =>
        field.Replace("\\040", " ", StringComparison.Ordinal).Replace("\\011", "\t", StringComparison.Ordinal)
            .Replace("\\012", "\n", StringComparison.Ordinal).Replace("\\134", "\\", StringComparison.Ordinal);
}
