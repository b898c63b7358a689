using Trellis.Daemon.Config;

namespace Trellis.Daemon.Tests;

/// <summary>The tree file: what it accepts, and errors with line and column for what it does not.</summary>
public sealed class TreeFileTests
{
    [Fact]
    public void A_full_tree_parses_in_file_order_with_every_setting()
    {
        var (config, errors) = TreeFileParser.Parse("/srv/tree.yaml", """
            name: prod
            dashboard: {bind: 127.0.0.1, port: 9000}
            logs: {max_size: 10MB, max_files: 4, max_total: 1GB}
            strategy: one_for_all
            intensity: 7
            period: 30s
            children:
              - supervisor: web
                strategy: rest_for_one
                auto_shutdown: any_significant
                children:
                  - service: api
                    command: bin/api --port 80
                    env: {MODE: prod}
                    cwd: work
                    restart: transient
                    significant: true
                    shutdown: {signal: INT, timeout: 10s}
                    restart_delay: 250ms
                    backoff: {initial: 1s, factor: 3, max: 1m, reset_after: 2m}
                    ready: {notify: systemd, timeout: 20s}
                  - service: cache
                    command: [redis-server, --port, "6379"]
                    shutdown: brutal_kill
                    ready: {check: [redis-cli, ping], interval: 100ms}
              - dotnet: ticker
                assembly: workers.dll
                type: My.Ticker
            """);
        Assert.Empty(errors);
        Assert.Equal("prod", config!.Root.Name);
        Assert.Equal(Strategy.OneForAll, config.Root.Strategy);
        Assert.Equal(9000, config.Dashboard!.Port);
        Assert.Equal(10L << 20, config.Logs.MaxSize);
        Assert.Equal(["web", "api", "cache", "ticker"], config.AllNodes().Select(n => n.Name));
        var api = (ServiceConfig)config.AllNodes().Single(n => n.Name == "api");
        Assert.Equal(["/srv/bin/api", "--port", "80"], api.Command);
        Assert.Equal("/srv/work", api.WorkingDirectory);
        Assert.Equal(RestartType.Transient, api.Restart);
        Assert.Equal(OsProcess.Signals.Interrupt, api.StopSignal);
        Assert.Equal(Shutdown.After(TimeSpan.FromSeconds(10)), api.Shutdown);
        Assert.Equal(TimeSpan.FromMinutes(1), api.Backoff!.Max);
        Assert.Equal(BackoffJitter.Full, api.Backoff.Jitter);
        Assert.Equal(ReadinessKind.Systemd, api.Ready!.Kind);
        var cache = (ServiceConfig)config.AllNodes().Single(n => n.Name == "cache");
        Assert.Equal(Shutdown.BrutalKill, cache.Shutdown);
        Assert.Equal(["redis-cli", "ping"], cache.Ready!.Check);
        Assert.Equal("/srv/workers.dll", ((DotnetConfig)config.AllNodes().Last()).Assembly);
    }

    [Theory]
    [InlineData("children:\n  - service: a\n    command: [x]\n   bad: indent\n", 4, "malformed YAML")]
    [InlineData("children:\n  - service: a\n    comand: [x]\n", 3, "unknown key 'comand'")]
    [InlineData("strategy: one_for_some\nchildren:\n  - service: a\n    command: [x]\n", 1, "strategy must be one_for_one")]
    [InlineData("children:\n  - service: a\n    command: [x]\n  - service: a\n    command: [y]\n", 4, "the name 'a' is already used at line 2")]
    [InlineData("children:\n  - service: a\n", 2, "needs 'command'")]
    [InlineData("children:\n  - service: a\n    command: [x]\n    restart_delay: soon\n", 4, "must be a duration")]
    [InlineData("children:\n  - service: a\n    command: [x]\n    shutdown: {signal: NOPE}\n", 4, "'NOPE' is not a signal")]
    [InlineData("admins: no-such-group-here\nchildren:\n  - service: a\n    command: [x]\n", 1, "no group named 'no-such-group-here'")]
    [InlineData("children:\n  - service: a\n    command: 'x \"unterminated'\n", 3, "cannot be split into words")]
    [InlineData("children:\n  - service: ../a\n    command: [x]\n", 2, "may hold only letters")]
    [InlineData("children:\n  - service: a\n    command: [x]\n    significant: true\n", 2, "significant and permanent")]
    [InlineData("children: []\n", 1, "no children")]
    [InlineData("children:\n  - service: a\n    command: [x]\n    backoff: {jitter: some}\n", 4, "backoff jitter must be none, full or decorrelated, not 'some'")]
    [InlineData("children:\n  - service: a\n    command: [x]\n    memory_max: lots\n", 4, "'memory_max' must be a size such as 512KB")]
    [InlineData("children:\n  - service: a\n    command: [x]\n    memory_max: 512\n", 4, "'memory_max' must be at least 4MB (less cannot run a program), not 512 bytes (a bare number is bytes: write 256MB)")]
    [InlineData("children:\n  - service: a\n    command: [x]\n    cpu_max: 0%\n", 4, "'cpu_max' must be CPUs (0.5, 2) or a percentage of one CPU (50%, 200%)")]
    [InlineData("children:\n  - service: a\n    command: [x]\n    cpu_max: fast\n", 4, "not 'fast'")]
    [InlineData("children:\n  - service: a\n    command: [x]\n    cpu_weight: 0\n", 4, "'cpu_weight' must be a whole number from 1 to 10000, not '0'")]
    [InlineData("children:\n  - service: a\n    command: [x]\n    pids_max: -3\n", 4, "'pids_max' must be a whole number from 1 to 4194304")]
    [InlineData("children:\n  - service: a\n    command: [x]\n    memory_max: 64MB\n    restart_on_memory: 64MB\n", 5, "restart_on_memory (67108864 bytes) must be below memory_max (67108864 bytes)")]
    [InlineData("memory_max: 64MB\nchildren:\n  - service: a\n    command: [x]\n    restart_on_memory: 100MB\n", 5, "must be below memory_max")]
    [InlineData("cgroups: maybe\nchildren:\n  - service: a\n    command: [x]\n", 1, "cgroups must be 'on' or 'off', not 'maybe'")]
    [InlineData("sample_interval: 10ms\nchildren:\n  - service: a\n    command: [x]\n", 1, "sample_interval must be from 100ms to 10m")]
    [InlineData("children:\n  - supervisor: s\n    memory_mx: 1GB\n    children:\n      - service: a\n        command: [x]\n", 3, "unknown key 'memory_mx' in supervisor 's'")]
    [InlineData("children:\n  - service: a\n    command: [x]\n    placement: everywhere\n", 4, "placement must be 'local' or 'cluster', not 'everywhere'")]
    [InlineData("children:\n  - service: a\n    command: [x]\n    replicas: 2\n", 4, "replicas is for services with placement: cluster")]
    [InlineData("children:\n  - service: a\n    command: [x]\n    placement: cluster\n    replicas: 0\n", 5, "'replicas' must be a whole number from 1 to 64")]
    [InlineData("children:\n  - supervisor: s\n    children:\n      - service: a\n        command: [x]\n        placement: cluster\n", 4, "cluster services stand directly under the root")]
    [InlineData("children:\n  - service: a\n    command: [x]\n    placement: cluster\n    shutdown: 5s\n", 2, "must stop within half the cluster's fence_margin (2s)")]
    [InlineData("cluster: {ttl: 1500ms}\nchildren:\n  - service: a\n    command: [x]\n", 1, "cluster ttl must be whole seconds from 2s to 5m")]
    [InlineData("cluster: {ttl: 5s, fence_margin: 5s}\nchildren:\n  - service: a\n    command: [x]\n", 1, "fence_margin must be above 0 and below the ttl (5s)")]
    [InlineData("cluster: {tll: 5s}\nchildren:\n  - service: a\n    command: [x]\n", 1, "unknown key 'tll' in cluster")]
    [InlineData("children:\n  - service: a\n    command: [x]\n    placement: cluster\n    replicas: 2\n  - service: a.2\n    command: [y]\n", 6, "the name 'a.2' is already used")]
    public void Errors_name_the_line_and_column(string yaml, int line, string message)
    {
        var (config, errors) = TreeFileParser.Parse("/t/tree.yaml", yaml);
        Assert.Null(config);
        Assert.Contains(errors, e => e.Line == line && e.Column > 0 && e.Message.Contains(message, StringComparison.Ordinal));
        Assert.All(errors, e => Assert.StartsWith("/t/tree.yaml:", e.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public void A_cluster_service_with_replicas_becomes_named_copies_in_file_order()
    {
        var (config, errors) = TreeFileParser.Parse("/t/tree.yaml", """
            cluster: {ttl: 4s, cookie_file: cookie, labels: {zone: a}}
            children:
              - service: web
                placement: cluster
                replicas: 3
                command: [x]
              - service: db
                placement: cluster
                command: [y]
            """);
        Assert.Empty(errors);
        Assert.Equal(["web.1", "web.2", "web.3", "db"], config!.Root.Children.Select(c => c.Name));
        Assert.All(config.Root.Children.Cast<ServiceConfig>(), s => Assert.True(s.ClusterPlacement));
        Assert.Equal(["web", "web", "web", null], config.Root.Children.Cast<ServiceConfig>().Select(s => s.ReplicaOf));
        Assert.Equal(TimeSpan.FromSeconds(4), config.Cluster.Ttl);
        Assert.Equal("/t/cookie", config.Cluster.CookieFile);
        Assert.Equal("a", config.Cluster.Labels["zone"]);
        Assert.Equal(TimeSpan.FromMilliseconds(800), config.Cluster.MaxShutdown);
    }

    [Fact]
    public async Task Up_with_a_malformed_file_exits_5_and_starts_nothing()
    {
        var dir = Directory.CreateTempSubdirectory("trellis-bad-").FullName;
        try
        {
            var file = Path.Combine(dir, "bad.yaml");
            File.WriteAllText(file, "name: bad\nchildren:\n  - service: a\n    command: [sh, -c, 'touch started']\n    restart: sometimes\n");
            var socket = Path.Combine(dir, "s", "t.sock");
            var (code, _, err) = await DaemonProcess.RunTrellisAsync("up", file, "--socket", socket);
            Assert.Equal(5, code);
            Assert.Contains($"{file}:5:14: restart must be permanent, transient or temporary, not 'sometimes'", err, StringComparison.Ordinal);
            Assert.Contains("nothing was started", err, StringComparison.Ordinal);
            Assert.False(File.Exists(socket));
            Assert.False(Directory.Exists(Path.Combine(dir, ".trellis")));
            Assert.False(File.Exists(Path.Combine(dir, "started")));

            (code, var output, _) = await DaemonProcess.RunTrellisAsync("check", file);
            Assert.Equal(5, code);
            (code, output, _) = await DaemonProcess.RunTrellisAsync("up");
            Assert.Equal(2, code);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Limits_are_inherited_from_the_nearest_supervisor_that_sets_each_key()
    {
        var (config, errors) = TreeFileParser.Parse("/t/tree.yaml", """
            memory_max: 1GB
            pids_max: 100
            children:
              - supervisor: web
                memory_max: 256MB
                cpu_max: 150%
                children:
                  - service: a
                    command: [x]
                  - service: b
                    command: [x]
                    memory_max: 512MB
                    cpu_weight: 50
                    restart_on_memory: 400MB
              - service: c
                command: [x]
                cpu_max: 0.5
            """);
        Assert.Empty(errors);
        var byName = config!.AllNodes().OfType<ServiceConfig>().ToDictionary(s => s.Name, s => s.Limits);
        Assert.Equal(new LimitsConfig { MemoryMax = 256L << 20, CpuMax = 1.5, PidsMax = 100 }, byName["a"]);
        Assert.Equal(new LimitsConfig { MemoryMax = 512L << 20, CpuMax = 1.5, CpuWeight = 50, PidsMax = 100, RestartOnMemory = 400L << 20 }, byName["b"]);
        Assert.Equal(new LimitsConfig { MemoryMax = 1L << 30, CpuMax = 0.5, PidsMax = 100 }, byName["c"]);
        Assert.True(config.Cgroups);
        Assert.Equal(TimeSpan.FromSeconds(5), config.SampleInterval);
    }

    [Theory]
    [InlineData(512, "512B")]
    [InlineData(1536, "1.5KB")]
    [InlineData(47_400_000, "45.2MB")]
    [InlineData(3L << 30, "3GB")]
    public void Sizes_print_as_people_read_them(long bytes, string text) => Assert.Equal(text, Units.Size(bytes));

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("5s", 5000)]
    [InlineData("2", 2000)]
    [InlineData("1.5m", 90000)]
    [InlineData("1h", 3600000)]
    public void Durations(string text, double ms)
    {
        Assert.True(Units.TryDuration(text, out var t));
        Assert.Equal(ms, t.TotalMilliseconds);
    }

    [Theory]
    [InlineData("512KB", 512 * 1024)]
    [InlineData("10MB", 10 * 1024 * 1024)]
    [InlineData("4096", 4096)]
    public void Sizes(string text, long bytes)
    {
        Assert.True(Units.TrySize(text, out var v));
        Assert.Equal(bytes, v);
    }
}
