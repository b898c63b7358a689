using System.Globalization;
using Trellis.OsProcess;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Trellis.Daemon.Config;

/// <summary>
/// Reads a tree file (YAML) into a <see cref="DaemonConfig"/>, or into every error it has, each with its line and
/// column. Unknown keys are errors, not silently ignored: a misspelt <c>restart_dealy</c> must not pass.
/// </summary>
internal sealed class TreeFileParser
{
    private static readonly string[] LimitKeys = ["memory_max", "cpu_max", "cpu_weight", "pids_max", "restart_on_memory"];

    private static readonly string[] TopKeys =
        ["name", "state_dir", "socket", "admins", "dashboard", "logs", "status_layout", "cgroups", "sample_interval", "strategy", "intensity", "period", "auto_shutdown", "children", "cluster", .. LimitKeys];

    private static readonly string[] SupervisorKeys =
        ["supervisor", "strategy", "intensity", "period", "auto_shutdown", "children", "restart", "shutdown", "significant", .. LimitKeys];

    private static readonly string[] ServiceKeys =
        ["service", "command", "shell", "env", "cwd", "user", "group", "restart", "shutdown", "significant", "restart_delay", "backoff", "ready", "placement", "replicas", .. LimitKeys];

    private static readonly string[] DotnetKeys =
        ["dotnet", "assembly", "type", "argument", "restart", "shutdown", "significant"];

    private static readonly string[] Kinds = ["service", "supervisor", "dotnet"];

    private readonly string _file;
    private readonly string _baseDir;
    /// <summary>The largest tree file read: far beyond any real tree, small enough to refuse a runaway one at once.</summary>
    public const int MaxFileBytes = 1 << 20;

    /// <summary>How deep mappings and lists may nest (a tree of supervisors 20 deep needs about 45).</summary>
    public const int MaxDepth = 64;

    /// <summary>YAML nodes (scalars, mappings, lists) one file may hold.</summary>
    public const int MaxYamlNodes = 200_000;

    /// <summary>Nodes of the tree (supervisors, services, workers).</summary>
    public const int MaxTreeNodes = 10_000;

    /// <summary>A node's name: it names a directory, and sockets under it must fit in 108 bytes.</summary>
    public const int MaxNameLength = 64;

    /// <summary>The most copies one cluster service may ask for.</summary>
    public const int MaxReplicas = 64;

    private readonly List<ConfigError> _errors = [];
    private readonly Dictionary<string, Mark> _names = new(StringComparer.Ordinal);
    private bool _tooManyNodes;

    private TreeFileParser(string file)
    {
        _file = Path.GetFullPath(file);
        _baseDir = Path.GetDirectoryName(_file)!;
    }

    /// <summary>Reads <paramref name="file"/>.</summary>
    public static (DaemonConfig? Config, IReadOnlyList<ConfigError> Errors) Load(string file)
    {
        string text;
        try
        {
            var length = new FileInfo(file).Length;
            if (length > MaxFileBytes)
            {
                return (null, [new ConfigError(file, 0, 0, $"the tree file has {length} bytes; at most {MaxFileBytes} are read")]);
            }

            text = File.ReadAllText(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return (null, [new ConfigError(file, 0, 0, "cannot read the tree file: " + ex.Message)]);
        }

        return Parse(file, text);
    }

    /// <summary>Parses <paramref name="text"/> as if read from <paramref name="file"/>.</summary>
    public static (DaemonConfig? Config, IReadOnlyList<ConfigError> Errors) Parse(string file, string text)
    {
        var parser = new TreeFileParser(file);
        var config = parser.ParseText(text);
        return parser._errors.Count == 0 ? (config, []) : (null, parser._errors);
    }

    private DaemonConfig? ParseText(string text)
    {
        if (text.Length > MaxFileBytes)
        {
            _errors.Add(new ConfigError(_file, 0, 0, $"the tree file has {text.Length} characters; at most {MaxFileBytes} are read"));
            return null;
        }

        var yaml = new YamlStream();
        try
        {
            // The representation model is built recursively: its depth and size are checked on the parser's events
            // first, so no file can exhaust the stack or the heap.
            if (!WithinBounds(text))
            {
                return null;
            }

            yaml.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            var message = Trim(ex.InnerException is { } inner ? inner.Message : ex.Message);
            if (message.Contains("tab", StringComparison.OrdinalIgnoreCase) && FirstIndentingTab(text) is { } tab)
            {
                Error(tab, "malformed YAML: a tab in the indentation (YAML indents with spaces only)");
            }
            else
            {
                Error(ex.Start, "malformed YAML: " + message);
            }

            return null;
        }

        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode top)
        {
            _errors.Add(new ConfigError(_file, 1, 1, "the tree file must be a mapping with at least 'children'"));
            return null;
        }

        CheckKeys(top, TopKeys, "the tree file");
        var name = Str(top, "name") ?? Path.GetFileNameWithoutExtension(_file);
        var stateDir = Str(top, "state_dir") is { } sd ? Path.GetFullPath(sd, _baseDir) : Path.Combine(_baseDir, ".trellis");
        var socket = Str(top, "socket") is { } so ? Path.GetFullPath(so, _baseDir) : null;
        var admins = ParseAdmins(top);
        var dashboard = ParseDashboard(top);
        var logs = ParseLogs(top);
        var runit = false;
        if (Scalar(top, "status_layout") is { } layout)
        {
            switch (layout.Value)
            {
                case "seed":
                    break;
                case "runit":
                    runit = true;
                    break;
                default:
                    Error(layout, $"status_layout must be 'seed' or 'runit', not '{layout.Value}'");
                    break;
            }
        }

        var cgroups = true;
        if (Scalar(top, "cgroups") is { } cg)
        {
            switch (cg.Value)
            {
                case "on" or "true" or "yes":
                    break;
                case "off" or "false" or "no":
                    cgroups = false;
                    break;
                default:
                    Error(cg, $"cgroups must be 'on' or 'off', not '{cg.Value}'");
                    break;
            }
        }

        var sampleInterval = TimeSpan.FromSeconds(5);
        if (Duration(top, "sample_interval") is { } si)
        {
            if (si < TimeSpan.FromMilliseconds(100) || si > TimeSpan.FromMinutes(10))
            {
                Error(Get(top, "sample_interval")!, $"sample_interval must be from 100ms to 10m, not {Units.Duration(si)}");
            }
            else
            {
                sampleInterval = si;
            }
        }

        var cluster = ParseCluster(top);
        var root = ParseSupervisorBody(top, name, Mark(top), isRoot: true, LimitsConfig.None);
        if (root.Children.Count == 0 && _errors.Count == 0)
        {
            Error(top.Start, "the tree has no children: add services under 'children'");
        }

        CheckClusterServices(root, cluster);

        return new DaemonConfig
        {
            File = _file,
            StateDir = stateDir,
            Socket = socket,
            Admins = admins,
            Dashboard = dashboard,
            Logs = logs,
            RunitStatus = runit,
            Cgroups = cgroups,
            SampleInterval = sampleInterval,
            Cluster = cluster,
            Root = root,
        };
    }

    private AdminGroup? ParseAdmins(YamlMappingNode top)
    {
        if (Get(top, "admins") is not { } node)
        {
            return null;
        }

        if (node is not YamlScalarNode { Value: { Length: > 0 } value })
        {
            Error(node, "admins must be the name or number of a group whose members may drive the daemon");
            return null;
        }

        if (!UnixAccounts.TryResolveGroup(value, out var gid))
        {
            Error(node, $"admins: there is no group named '{value}' on this machine");
            return null;
        }

        return new AdminGroup(gid, UnixAccounts.GroupName(gid));
    }

    private DashboardConfig? ParseDashboard(YamlMappingNode top)
    {
        if (Get(top, "dashboard") is not { } node)
        {
            return new DashboardConfig();
        }

        if (node is YamlScalarNode { Value: "off" or "false" or "no" })
        {
            return null;
        }

        if (node is not YamlMappingNode map)
        {
            Error(node, "dashboard must be a mapping (bind, port, token) or 'off'");
            return null;
        }

        CheckKeys(map, ["bind", "port", "token"], "dashboard");
        var d = new DashboardConfig();
        if (Scalar(map, "port") is { } port)
        {
            if (int.TryParse(port.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is >= 0 and <= 65535)
            {
                d = d with { Port = p };
            }
            else
            {
                Error(port, $"dashboard port must be a number from 0 to 65535, not '{port.Value}'");
            }
        }

        if (Scalar(map, "bind") is { } bind)
        {
            if (System.Net.IPAddress.TryParse(bind.Value, out var address))
            {
                d = d with { Bind = address.ToString() };
            }
            else
            {
                Error(bind, $"dashboard bind must be an IP address, not '{bind.Value}'");
            }
        }

        if (Str(map, "token") is { } token)
        {
            if (token.Length < 16)
            {
                Error(Get(map, "token")!, "dashboard token must be at least 16 characters");
            }

            d = d with { Token = token };
        }

        return d;
    }

    private LogConfig ParseLogs(YamlMappingNode top)
    {
        var logs = new LogConfig();
        if (Get(top, "logs") is not { } node)
        {
            return logs;
        }

        if (node is not YamlMappingNode map)
        {
            Error(node, "logs must be a mapping (max_size, max_files, max_total)");
            return logs;
        }

        CheckKeys(map, ["max_size", "max_files", "max_total"], "logs");
        if (Size(map, "max_size") is { } size)
        {
            if (size < 4096)
            {
                Error(Get(map, "max_size")!, "logs max_size must be at least 4KB");
            }

            logs = logs with { MaxSize = size };
        }

        if (Int(map, "max_files", 0, 1000) is { } files)
        {
            logs = logs with { MaxFiles = files };
        }

        if (Size(map, "max_total") is { } total)
        {
            logs = logs with { MaxTotal = total };
        }

        return logs;
    }

    private SupervisorConfig ParseSupervisorBody(YamlMappingNode map, string name, Mark at, bool isRoot, LimitsConfig inherited)
    {
        var limits = ParseLimits(map, inherited);
        var sup = isRoot
            ? new SupervisorConfig { Name = name, At = at, Intensity = SupervisorConfig.RootIntensity, Period = SupervisorConfig.RootPeriod }
            : new SupervisorConfig { Name = name, At = at };
        if (Scalar(map, "strategy") is { } strategy)
        {
            switch (strategy.Value)
            {
                case "one_for_one": sup = sup with { Strategy = Strategy.OneForOne }; break;
                case "one_for_all": sup = sup with { Strategy = Strategy.OneForAll }; break;
                case "rest_for_one": sup = sup with { Strategy = Strategy.RestForOne }; break;
                default: Error(strategy, $"strategy must be one_for_one, one_for_all or rest_for_one, not '{strategy.Value}'"); break;
            }
        }

        if (Int(map, "intensity", 0, 1_000_000) is { } intensity)
        {
            sup = sup with { Intensity = intensity };
        }

        if (Duration(map, "period") is { } period)
        {
            if (period < TimeSpan.FromMilliseconds(1))
            {
                Error(Get(map, "period")!, "period must be more than 0");
            }

            sup = sup with { Period = period };
        }

        if (Scalar(map, "auto_shutdown") is { } auto)
        {
            switch (auto.Value)
            {
                case "never": break;
                case "any_significant": sup = sup with { AutoShutdown = AutoShutdown.AnySignificant }; break;
                case "all_significant": sup = sup with { AutoShutdown = AutoShutdown.AllSignificant }; break;
                default: Error(auto, $"auto_shutdown must be never, any_significant or all_significant, not '{auto.Value}'"); break;
            }
        }

        if (!isRoot)
        {
            sup = (SupervisorConfig)Common(map, sup);
        }

        var children = new List<NodeConfig>();
        if (Get(map, "children") is { } list)
        {
            if (list is YamlSequenceNode seq)
            {
                foreach (var item in seq)
                {
                    if (ParseChild(item, limits) is { } child)
                    {
                        children.AddRange(Replicas(item, child));
                    }
                }
            }
            else
            {
                Error(list, "children must be a list");
            }
        }
        else if (!isRoot)
        {
            Error(at, $"supervisor '{name}' has no 'children'");
        }

        if (sup.AutoShutdown != AutoShutdown.Never && !children.Any(c => c.Significant))
        {
            Error(at, $"supervisor '{name}' has auto_shutdown but no significant child: mark a transient or temporary child significant: true");
        }

        foreach (var c in children.Where(c => c.Significant && c.Restart == RestartType.Permanent))
        {
            Error(c.At, $"'{c.Name}' is significant and permanent; a significant child must be transient or temporary");
        }

        return sup with { Children = children };
    }

    /// <summary>A service's <c>replicas: N</c>: N copies named NAME.1 to NAME.N (one node each in a cluster); else the child itself.</summary>
    private List<NodeConfig> Replicas(YamlNode item, NodeConfig child)
    {
        if (item is not YamlMappingNode map || Get(map, "replicas") is null)
        {
            return [child];
        }

        var count = Int(map, "replicas", 1, MaxReplicas);
        if (child is not ServiceConfig { ClusterPlacement: true } service)
        {
            Error(Get(map, "replicas")!, $"replicas is for services with placement: cluster ('{child.Name}' has none)");
            return [child];
        }

        if (count is not { } n)
        {
            return [child];
        }

        _names.Remove(child.Name);
        var copies = new List<NodeConfig>();
        for (var i = 1; i <= n; i++)
        {
            var name = $"{child.Name}.{i}";
            if (_names.TryGetValue(name, out var first))
            {
                Error(Get(map, "replicas")!, $"replica '{name}' of '{child.Name}' has the name used at line {first.Line}");
                continue;
            }

            _names[name] = child.At;
            copies.Add(service with { Name = name, ReplicaOf = child.Name });
        }

        return copies;
    }

    private ClusterConfig ParseCluster(YamlMappingNode top)
    {
        var cluster = new ClusterConfig();
        if (Get(top, "cluster") is not { } node)
        {
            return cluster;
        }

        if (node is not YamlMappingNode map)
        {
            Error(node, "cluster must be a mapping (name, ttl, fence_margin, cookie_file, port, labels, etcd_ca_file, etcd_cert_file, etcd_key_file, etcd_user, etcd_password_file)");
            return cluster;
        }

        CheckKeys(map, ["name", "ttl", "fence_margin", "cookie_file", "port", "labels", "etcd_ca_file", "etcd_cert_file", "etcd_key_file", "etcd_user", "etcd_password_file"], "cluster");
        cluster = cluster with
        {
            EtcdCaFile = Str(map, "etcd_ca_file") is { } ca ? Path.GetFullPath(ca, _baseDir) : null,
            EtcdCertFile = Str(map, "etcd_cert_file") is { } cert ? Path.GetFullPath(cert, _baseDir) : null,
            EtcdKeyFile = Str(map, "etcd_key_file") is { } keyFile ? Path.GetFullPath(keyFile, _baseDir) : null,
            EtcdUser = Str(map, "etcd_user"),
            EtcdPasswordFile = Str(map, "etcd_password_file") is { } pw ? Path.GetFullPath(pw, _baseDir) : null,
        };
        if (Str(map, "name") is { } name)
        {
            if (name.Length == 0 || name.Length > MaxNameLength || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            {
                Error(Get(map, "name")!, $"cluster name '{name}' may hold only letters, digits, '-', '_' and '.' (at most {MaxNameLength})");
            }

            cluster = cluster with { Name = name };
        }

        if (Duration(map, "ttl") is { } ttl)
        {
            if (ttl < TimeSpan.FromSeconds(2) || ttl > TimeSpan.FromMinutes(5) || ttl.Ticks % TimeSpan.TicksPerSecond != 0)
            {
                Error(Get(map, "ttl")!, $"cluster ttl must be whole seconds from 2s to 5m (etcd's leases count seconds), not {Units.Duration(ttl)}");
            }
            else
            {
                cluster = cluster with { Ttl = ttl };
            }
        }

        if (Duration(map, "fence_margin") is { } margin)
        {
            if (margin <= TimeSpan.Zero || margin >= cluster.Ttl)
            {
                Error(Get(map, "fence_margin")!, $"cluster fence_margin must be above 0 and below the ttl ({Units.Duration(cluster.Ttl)}), not {Units.Duration(margin)}");
            }
            else
            {
                cluster = cluster with { FenceMargin = margin };
            }
        }

        if (Str(map, "cookie_file") is { } cookie)
        {
            cluster = cluster with { CookieFile = Path.GetFullPath(cookie, _baseDir) };
        }

        if (Int(map, "port", 0, 65535) is { } port)
        {
            cluster = cluster with { Port = port };
        }

        if (Get(map, "labels") is { } labelsNode)
        {
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (labelsNode is YamlMappingNode labelMap)
            {
                foreach (var (k, v) in labelMap.Children)
                {
                    if (k is YamlScalarNode { Value: { Length: > 0 } key } && v is YamlScalarNode { Value: { } value })
                    {
                        labels[key] = value;
                    }
                    else
                    {
                        Error(k, "each cluster label must be KEY: value");
                    }
                }
            }
            else
            {
                Error(labelsNode, "cluster labels must be a mapping of KEY: value");
            }

            cluster = cluster with { Labels = labels };
        }

        return cluster;
    }

    /// <summary>Cluster services stand directly under the root, and stop within half the fence margin.</summary>
    private void CheckClusterServices(SupervisorConfig root, ClusterConfig cluster)
    {
        foreach (var sup in Supervisors(root))
        {
            foreach (var service in sup.Children.OfType<ServiceConfig>().Where(c => c.ClusterPlacement))
            {
                if (!ReferenceEquals(sup, root))
                {
                    Error(service.At, $"service '{service.Name}' has placement: cluster but stands under supervisor '{sup.Name}'; cluster services stand directly under the root's children");
                }

                if (service.Shutdown is { } shutdown && (shutdown.Kind == ShutdownKind.Infinity || (shutdown.Kind == ShutdownKind.Timeout && shutdown.Timeout > cluster.MaxShutdown)))
                {
                    Error(service.At, $"service '{service.Name}' has placement: cluster and a shutdown of {shutdown}; a cluster service must stop within half the cluster's fence_margin ({Units.Duration(cluster.MaxShutdown)}), or a daemon cut off from etcd could not stop it before its lease ends");
                }
            }
        }

        static IEnumerable<SupervisorConfig> Supervisors(SupervisorConfig s) =>
            new[] { s }.Concat(s.Children.OfType<SupervisorConfig>().SelectMany(Supervisors));
    }

    private NodeConfig? ParseChild(YamlNode item, LimitsConfig inherited)
    {
        if (item is not YamlMappingNode map)
        {
            Error(item, "each child must be a mapping that starts with 'service: NAME', 'supervisor: NAME' or 'dotnet: NAME'");
            return null;
        }

        var kinds = Kinds.Where(k => Get(map, k) is not null).ToArray();
        if (kinds.Length != 1)
        {
            Error(map, kinds.Length == 0
                ? "a child needs one of 'service: NAME', 'supervisor: NAME' or 'dotnet: NAME'"
                : $"a child is one thing, not {string.Join(" and ", kinds)}");
            return null;
        }

        var nameNode = Scalar(map, kinds[0]);
        var name = nameNode?.Value;
        if (nameNode is null || string.IsNullOrWhiteSpace(name))
        {
            Error(Get(map, kinds[0])!, $"'{kinds[0]}' must be followed by the child's name");
            return null;
        }

        if (name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) || name.StartsWith('.'))
        {
            Error(nameNode, $"the name '{name}' may hold only letters, digits, '-', '_' and '.', and may not start with '.' (it names a directory)");
        }

        if (name.Length > MaxNameLength)
        {
            Error(nameNode, $"the name '{name[..20]}...' has {name.Length} characters; at most {MaxNameLength}");
        }

        if (_names.Count >= MaxTreeNodes)
        {
            // Said once, at the first node too many; the rest are not read.
            if (!_tooManyNodes)
            {
                Error(nameNode, $"the tree has more than {MaxTreeNodes} nodes");
                _tooManyNodes = true;
            }

            return null;
        }

        var at = Mark(nameNode);
        if (_names.TryGetValue(name, out var first))
        {
            Error(nameNode, $"the name '{name}' is already used at line {first.Line}; names are unique in the whole tree");
        }
        else
        {
            _names[name] = at;
        }

        switch (kinds[0])
        {
            case "supervisor":
                CheckKeys(map, SupervisorKeys, $"supervisor '{name}'");
                return ParseSupervisorBody(map, name, at, isRoot: false, inherited);
            case "dotnet":
                CheckKeys(map, DotnetKeys, $"dotnet '{name}'");
                return ParseDotnet(map, name, at);
            default:
                CheckKeys(map, ServiceKeys, $"service '{name}'");
                return ParseService(map, name, at, inherited);
        }
    }

    private ServiceConfig? ParseService(YamlMappingNode map, string name, Mark at, LimitsConfig inherited)
    {
        var limits = ParseLimits(map, inherited);
        var command = Command(map, "command", $"service '{name}'", required: true);
        if (command is null)
        {
            return null;
        }

        if (Get(map, "shell") is YamlScalarNode { Value: "true" or "yes" })
        {
            command = ["/bin/sh", "-c", string.Join(' ', command)];
        }

        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Get(map, "env") is { } envNode)
        {
            if (envNode is YamlMappingNode envMap)
            {
                foreach (var (k, v) in envMap.Children)
                {
                    var key = ((k as YamlScalarNode)?.Value) ?? string.Empty;
                    if (key.Length == 0 || key.Contains('=') || v is not YamlScalarNode sv)
                    {
                        Error(k, "each env entry must be NAME: value, with a name without '='");
                        continue;
                    }

                    env[key] = sv.Value ?? string.Empty;
                }
            }
            else
            {
                Error(envNode, "env must be a mapping of NAME: value");
            }
        }

        var service = new ServiceConfig
        {
            Name = name,
            At = at,
            Command = command,
            Environment = env,
            WorkingDirectory = Str(map, "cwd") is { } cwd ? Path.GetFullPath(cwd, _baseDir) : null,
            User = Str(map, "user"),
            Group = Str(map, "group"),
            RestartDelay = Duration(map, "restart_delay") ?? TimeSpan.Zero,
            Limits = limits,
        };
        service = (ServiceConfig)Common(map, service);
        if (Get(map, "shutdown") is YamlMappingNode shutdownMap && Scalar(shutdownMap, "signal") is { } sig)
        {
            if (Signals.TryParse(sig.Value, out var signal))
            {
                service = service with { StopSignal = signal };
            }
            else
            {
                Error(sig, $"'{sig.Value}' is not a signal (write TERM, SIGTERM or 15)");
            }
        }

        if (Get(map, "backoff") is { } b)
        {
            service = service with { Backoff = ParseBackoff(b) };
        }

        if (Get(map, "ready") is { } r)
        {
            service = service with { Ready = ParseReady(r, name) };
        }

        if (Scalar(map, "placement") is { } placement)
        {
            switch (placement.Value)
            {
                case "local": break;
                case "cluster": service = service with { ClusterPlacement = true }; break;
                default: Error(placement, $"placement must be 'local' or 'cluster', not '{placement.Value}'"); break;
            }
        }

        return service;
    }

    /// <summary>The limit keys of a service or supervisor, over what its supervisors set.</summary>
    private LimitsConfig ParseLimits(YamlMappingNode map, LimitsConfig inherited)
    {
        var own = new LimitsConfig
        {
            MemoryMax = AtLeast(map, "memory_max", 4L << 20, "4MB (less cannot run a program)"),
            RestartOnMemory = AtLeast(map, "restart_on_memory", 1L << 20, "1MB"),
            CpuWeight = Int(map, "cpu_weight", 1, 10_000),
            PidsMax = Int(map, "pids_max", 1, 4_194_304),
        };
        if (Scalar(map, "cpu_max") is { } cpu)
        {
            var text = cpu.Value ?? string.Empty;
            var percent = text.EndsWith('%');
            if (double.TryParse(percent ? text[..^1] : text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n)
                && (percent ? n / 100 : n) is var cpus and >= 0.01 and <= 1024)
            {
                own = own with { CpuMax = cpus };
            }
            else
            {
                Error(cpu, $"'cpu_max' must be CPUs (0.5, 2) or a percentage of one CPU (50%, 200%) from 1% to 1024 CPUs, not '{text}'");
            }
        }

        var limits = own.Over(inherited);
        // Said where one of the two is written, not again at each service that inherits both.
        if (limits is { RestartOnMemory: { } restartAt, MemoryMax: { } max } && restartAt >= max
            && (Get(map, "restart_on_memory") ?? Get(map, "memory_max")) is { } where)
        {
            Error(where, $"restart_on_memory ({restartAt} bytes) must be below memory_max ({max} bytes), or the OOM killer ends the service before it is restarted");
        }

        return limits;
    }

    private long? AtLeast(YamlMappingNode map, string key, long min, string minText)
    {
        if (Size(map, key) is not { } v)
        {
            return null;
        }

        if (v < min)
        {
            Error(Get(map, key)!, $"'{key}' must be at least {minText}, not {v} bytes (a bare number is bytes: write 256MB)");
            return null;
        }

        return v;
    }

    private BackoffConfig? ParseBackoff(YamlNode node)
    {
        if (node is YamlScalarNode { Value: "true" or "yes" or "on" })
        {
            return new BackoffConfig();
        }

        if (node is not YamlMappingNode map)
        {
            Error(node, "backoff must be 'true' or a mapping (initial, factor, max, reset_after, jitter)");
            return null;
        }

        CheckKeys(map, ["initial", "factor", "max", "reset_after", "jitter"], "backoff");
        var b = new BackoffConfig();
        if (Duration(map, "initial") is { } initial)
        {
            b = b with { Initial = initial };
        }

        if (Scalar(map, "factor") is { } f)
        {
            if (double.TryParse(f.Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var factor) && factor >= 1 && factor <= 100)
            {
                b = b with { Factor = factor };
            }
            else
            {
                Error(f, $"backoff factor must be a number from 1 to 100, not '{f.Value}'");
            }
        }

        if (Duration(map, "max") is { } max)
        {
            b = b with { Max = max };
        }

        if (Duration(map, "reset_after") is { } reset)
        {
            b = b with { ResetAfter = reset };
        }

        if (Scalar(map, "jitter") is { } j)
        {
            switch (j.Value)
            {
                case "none":
                    b = b with { Jitter = BackoffJitter.None };
                    break;
                case "full":
                    b = b with { Jitter = BackoffJitter.Full };
                    break;
                case "decorrelated":
                    b = b with { Jitter = BackoffJitter.Decorrelated };
                    break;
                default:
                    Error(j, $"backoff jitter must be none, full or decorrelated, not '{j.Value}'");
                    break;
            }
        }

        if (b.Max < b.Initial)
        {
            Error(map, "backoff max must not be less than its initial delay");
        }

        return b;
    }

    private ReadinessConfig? ParseReady(YamlNode node, string name)
    {
        if (node is not YamlMappingNode map)
        {
            Error(node, "ready must be a mapping: {notify: fd, fd: 3}, {notify: systemd} or {check: COMMAND}");
            return null;
        }

        CheckKeys(map, ["notify", "fd", "check", "interval", "timeout"], $"ready of '{name}'");
        var r = new ReadinessConfig();
        var notify = Scalar(map, "notify");
        var check = Get(map, "check");
        if ((notify is null) == (check is null))
        {
            Error(map, "ready needs exactly one of 'notify' (fd or systemd) and 'check'");
            return null;
        }

        if (notify is not null)
        {
            switch (notify.Value)
            {
                case "fd":
                    r = r with { Kind = ReadinessKind.Fd, Fd = Int(map, "fd", 3, 1023) ?? 3 };
                    break;
                case "systemd":
                    r = r with { Kind = ReadinessKind.Systemd };
                    break;
                default:
                    Error(notify, $"notify must be 'fd' or 'systemd', not '{notify.Value}'");
                    break;
            }
        }
        else
        {
            r = r with { Kind = ReadinessKind.Check, Check = Command(map, "check", $"ready of '{name}'", required: true) ?? [] };
        }

        if (Duration(map, "interval") is { } interval)
        {
            r = r with { Interval = interval < TimeSpan.FromMilliseconds(10) ? TimeSpan.FromMilliseconds(10) : interval };
        }

        if (Duration(map, "timeout") is { } timeout)
        {
            r = r with { Timeout = timeout };
        }

        return r;
    }

    private DotnetConfig? ParseDotnet(YamlMappingNode map, string name, Mark at)
    {
        var assembly = Str(map, "assembly");
        var type = Str(map, "type");
        if (assembly is null || type is null)
        {
            Error(map, $"dotnet '{name}' needs 'assembly' (a .dll path) and 'type' (a GenServer or hosted service type)");
            return null;
        }

        var d = new DotnetConfig
        {
            Name = name,
            At = at,
            Assembly = Path.GetFullPath(assembly, _baseDir),
            Type = type,
            Argument = Str(map, "argument"),
        };
        return (DotnetConfig)Common(map, d);
    }

    private NodeConfig Common(YamlMappingNode map, NodeConfig node)
    {
        if (Scalar(map, "restart") is { } restart)
        {
            switch (restart.Value)
            {
                case "permanent": node = node with { Restart = RestartType.Permanent }; break;
                case "transient": node = node with { Restart = RestartType.Transient }; break;
                case "temporary": node = node with { Restart = RestartType.Temporary }; break;
                default: Error(restart, $"restart must be permanent, transient or temporary, not '{restart.Value}'"); break;
            }
        }

        if (Get(map, "significant") is YamlScalarNode sig)
        {
            node = node with { Significant = sig.Value is "true" or "yes" };
            if (sig.Value is not ("true" or "yes" or "false" or "no"))
            {
                Error(sig, $"significant must be true or false, not '{sig.Value}'");
            }
        }

        if (Get(map, "shutdown") is { } shutdown)
        {
            node = node with { Shutdown = ParseShutdown(shutdown, node is ServiceConfig) };
        }

        return node;
    }

    private Shutdown? ParseShutdown(YamlNode node, bool allowSignal)
    {
        var timeoutNode = node;
        if (node is YamlMappingNode map)
        {
            CheckKeys(map, allowSignal ? ["signal", "timeout"] : ["timeout"], "shutdown");
            timeoutNode = Get(map, "timeout");
            if (timeoutNode is null)
            {
                return null;
            }
        }

        if (timeoutNode is not YamlScalarNode s)
        {
            Error(node, "shutdown must be brutal_kill, infinity, a duration such as 10s, or {signal, timeout}");
            return null;
        }

        switch (s.Value)
        {
            case "brutal_kill": return Trellis.Shutdown.BrutalKill;
            case "infinity": return Trellis.Shutdown.Infinity;
        }

        if (Units.TryDuration(s.Value ?? string.Empty, out var t) && t > TimeSpan.Zero)
        {
            return Trellis.Shutdown.After(t);
        }

        Error(s, $"shutdown must be brutal_kill, infinity or a duration above 0 such as 10s, not '{s.Value}'");
        return null;
    }

    private List<string>? Command(YamlMappingNode map, string key, string what, bool required)
    {
        switch (Get(map, key))
        {
            case null:
                if (required)
                {
                    Error(map, $"{what} needs '{key}' (a list such as [\"prog\", \"arg\"] or a command line)");
                }

                return null;
            case YamlSequenceNode seq:
                var words = new List<string>();
                foreach (var w in seq)
                {
                    if (w is YamlScalarNode { Value: { } v })
                    {
                        words.Add(v);
                    }
                    else
                    {
                        Error(w, $"each word of '{key}' must be a string");
                    }
                }

                if (words.Count == 0 || string.IsNullOrEmpty(words[0]))
                {
                    Error(seq, $"'{key}' is empty");
                    return null;
                }

                return Anchor(words);
            case YamlScalarNode { Value: { } line } scalar:
                if (!ProgramSpec.TryParse(line, out var spec, out var error))
                {
                    Error(scalar, $"'{key}' cannot be split into words: {error}");
                    return null;
                }

                return Anchor([spec!.FileName, .. spec.Arguments]);
            case var other:
                Error(other, $"'{key}' must be a list of words or a command line");
                return null;
        }
    }

    /// <summary>A relative program path (one with a slash, such as <c>bin/app</c>) is relative to the tree file.</summary>
    private List<string> Anchor(List<string> words)
    {
        if (words[0].Contains('/', StringComparison.Ordinal) && !Path.IsPathRooted(words[0]))
        {
            words[0] = Path.GetFullPath(words[0], _baseDir);
        }

        return words;
    }

    private void CheckKeys(YamlMappingNode map, string[] known, string what)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in map.Children.Keys)
        {
            var k = (key as YamlScalarNode)?.Value ?? string.Empty;
            if (!seen.Add(k))
            {
                Error(key, $"'{k}' is given twice in {what}");
            }
            else if (!known.Contains(k))
            {
                Error(key, $"unknown key '{k}' in {what}; known keys: {string.Join(", ", known)}");
            }
        }
    }

    private static YamlNode? Get(YamlMappingNode map, string key) =>
        map.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode s && s.Value == key).Value;

    private YamlScalarNode? Scalar(YamlMappingNode map, string key)
    {
        var node = Get(map, key);
        if (node is null)
        {
            return null;
        }

        if (node is YamlScalarNode s)
        {
            return s;
        }

        Error(node, $"'{key}' must be a single value");
        return null;
    }

    private string? Str(YamlMappingNode map, string key) => Scalar(map, key)?.Value;

    private int? Int(YamlMappingNode map, string key, int min, int max)
    {
        if (Scalar(map, key) is not { } s)
        {
            return null;
        }

        if (int.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max)
        {
            return v;
        }

        Error(s, $"'{key}' must be a whole number from {min} to {max}, not '{s.Value}'");
        return null;
    }

    private TimeSpan? Duration(YamlMappingNode map, string key)
    {
        if (Scalar(map, key) is not { } s)
        {
            return null;
        }

        if (Units.TryDuration(s.Value ?? string.Empty, out var t))
        {
            return t;
        }

        Error(s, $"'{key}' must be a duration such as 500ms, 5s or 2m, not '{s.Value}'");
        return null;
    }

    private long? Size(YamlMappingNode map, string key)
    {
        if (Scalar(map, key) is not { } s)
        {
            return null;
        }

        if (Units.TrySize(s.Value ?? string.Empty, out var v))
        {
            return v;
        }

        Error(s, $"'{key}' must be a size such as 512KB, 10MB or 1GB, not '{s.Value}'");
        return null;
    }

    private static Mark Mark(YamlNode node) => new((int)node.Start.Line, (int)node.Start.Column);

    private bool WithinBounds(string text)
    {
        var parser = new Parser(new StringReader(text));
        int depth = 0, nodes = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case YamlDotNet.Core.Events.MappingStart or YamlDotNet.Core.Events.SequenceStart:
                    nodes++;
                    if (++depth > MaxDepth)
                    {
                        Error(parser.Current.Start, $"the tree file nests mappings and lists more than {MaxDepth} deep");
                        return false;
                    }

                    break;
                case YamlDotNet.Core.Events.MappingEnd or YamlDotNet.Core.Events.SequenceEnd:
                    depth--;
                    break;
                case YamlDotNet.Core.Events.Scalar or YamlDotNet.Core.Events.AnchorAlias:
                    nodes++;
                    break;
            }

            if (nodes > MaxYamlNodes)
            {
                Error(parser.Current!.Start, $"the tree file holds more than {MaxYamlNodes} YAML values");
                return false;
            }
        }

        return true;
    }

    /// <summary>Where the first tab in a line's indentation is (YAML forbids it; YamlDotNet points elsewhere).</summary>
    private static Mark? FirstIndentingTab(string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            for (var c = 0; c < lines[i].Length && lines[i][c] is ' ' or '\t'; c++)
            {
                if (lines[i][c] == '\t')
                {
                    return new Mark(i + 1, c + 1);
                }
            }
        }

        return null;
    }

    private void Error(YamlNode node, string message) => Error(node.Start, message);

    private void Error(YamlDotNet.Core.Mark at, string message) => _errors.Add(new ConfigError(_file, (int)at.Line, (int)at.Column, message));

    private void Error(Mark at, string message) => _errors.Add(new ConfigError(_file, at.Line, at.Column, message));

    private static string Trim(string message)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 20) - (Line: ...): "; the position is already in front.
        var i = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line", StringComparison.Ordinal) && i > 0 ? message[(i + 3)..] : message;
    }
}
