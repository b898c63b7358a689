using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Trellis.Daemon.Access;
using Trellis.Daemon.Api;
using Trellis.Daemon.Config;
using Trellis.Daemon.Logs;
using Trellis.Daemon.Runtime;
using Trellis.OsProcess;

namespace Trellis.Daemon.Cli;

/// <summary>
/// <c>trellis up FILE</c>: runs the tree until SIGTERM or SIGINT (which stop it in reverse order) or until the root
/// supervisor gives up. SIGHUP reloads the file.
/// </summary>
internal static class UpCommand
{
    public static async Task<int> RunAsync(UpOptions options)
    {
        var (file, socketOption, port, noDashboard) = (options.File, options.Socket, options.Port, options.NoDashboard);
        var (config, errors) = CommandCheck.LoadRunnable(file);
        if (config is null)
        {
            CheckCommand.PrintErrors(errors);
            Console.Error.WriteLine($"trellis: {file} has {errors.Count} error{(errors.Count == 1 ? string.Empty : "s")}; nothing was started");
            return ExitCodes.BadTree;
        }

        if (options.StateDir is { } stateDir)
        {
            config = config with { StateDir = Path.GetFullPath(stateDir) };
        }

        if (noDashboard)
        {
            config = config with { Dashboard = null };
        }
        else if (port is { } p)
        {
            config = config with { Dashboard = (config.Dashboard ?? new DashboardConfig()) with { Port = p } };
        }

        var socket = socketOption is not null ? Path.GetFullPath(socketOption) : config.Socket ?? SocketPath.Default();
        // The daemon's own lines go to its console and into its own log in the state directory (state_dir/.daemon/,
        // 0640), which `trellis logs --daemon` shows.
        ServiceLog? ownLog = null;
        using var loggerFactory = LoggerFactory.Create(b => b
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
            })
            .AddProvider(new ServiceLogLoggerProvider(() => Volatile.Read(ref ownLog))));
        var logger = loggerFactory.CreateLogger("trellis");

        if (SocketDirectory.Prepare(socket, config.Admins) is { } dirError)
        {
            Console.Error.WriteLine("trellis: " + dirError);
            return ExitCodes.Failed;
        }

        var run = new UpRun(options, loggerFactory, logger);
        return await RunInStateDirAsync(config, socket, run, log => Volatile.Write(ref ownLog, log)).ConfigureAwait(false);
    }

    /// <summary>What the command was given, and its logging, carried down to where the tree runs.</summary>
    private sealed record UpRun(UpOptions Options, ILoggerFactory LoggerFactory, ILogger Logger);

    private static async Task<int> RunInStateDirAsync(DaemonConfig config, string socket, UpRun up, Action<ServiceLog?> setOwnLog)
    {
        var created = !Directory.Exists(config.StateDir) && !File.Exists(config.StateDir);
        if (StateDirectory.Prepare(config.StateDir, config.Admins) is { } stateError)
        {
            Console.Error.WriteLine("trellis: " + stateError);
            return ExitCodes.BadTree;
        }

        FileStream daemonLock;
        try
        {
            daemonLock = new FileStream(Path.Combine(config.StateDir, "daemon.lock"), FileMode.OpenOrCreate, FileAccess.Write, FileShare.None);
        }
        catch (IOException)
        {
            Console.Error.WriteLine($"trellis: another trellis daemon is running on the state directory {config.StateDir}");
            return ExitCodes.AlreadyRunning;
        }

        var treeStarted = new StrongBox<bool>();
        using (daemonLock)
        {
            try
            {
                return await RunLockedAsync(config, socket, up, setOwnLog, treeStarted).ConfigureAwait(false);
            }
            finally
            {
                // A start that fails before its tree runs leaves no state directory it made behind; the lock, still
                // held, keeps another daemon from having taken it meanwhile.
                if (created && !treeStarted.Value)
                {
                    StateDirectory.TryRemove(config.StateDir);
                }
            }
        }
    }

    private static async Task<int> RunLockedAsync(DaemonConfig config, string socket, UpRun up, Action<ServiceLog?> setOwnLog, StrongBox<bool> treeStarted)
    {
        var logger = up.Logger;
        if (await AnswersAsync(socket).ConfigureAwait(false))
        {
            Console.Error.WriteLine($"trellis: a daemon already listens on {socket}: stop it first, or use another --socket");
            return ExitCodes.AlreadyRunning;
        }

        if (File.Exists(socket))
        {
            if (!IsSocket(socket))
            {
                Console.Error.WriteLine($"trellis: {socket} exists and is not a socket; choose another --socket");
                return ExitCodes.Failed;
            }

            // A socket nobody answers on is left over from a daemon that was killed.
            File.Delete(socket);
        }

        if (await Leftovers.StopAllAsync(config, logger).ConfigureAwait(false) is { } leftoverError)
        {
            Console.Error.WriteLine("trellis: " + leftoverError);
            return ExitCodes.Failed;
        }

        DashboardToken? token = null;
        if (config.Dashboard is { } dashboard)
        {
            token = DashboardToken.LoadOrCreate(config.StateDir, dashboard.Token, out var tokenError);
            if (token is null)
            {
                Console.Error.WriteLine("trellis: " + tokenError);
                return ExitCodes.Failed;
            }

            if (dashboard.Token is not null && (File.GetUnixFileMode(config.File) & UnixFileMode.OtherRead) != 0)
            {
                Log.TokenFileReadable(logger, config.File);
            }
        }

        var budget = new LogBudget(config.Logs.MaxTotal);
        var ownDir = Path.Combine(config.StateDir, ".daemon");
        if (StateDirectory.Prepare(ownDir, config.Admins) is { } ownError)
        {
            Console.Error.WriteLine("trellis: " + ownError);
            return ExitCodes.Failed;
        }

        using var own = new ServiceLog(config.Root.Name, ownDir, config.Logs, budget, TimeProvider.System);
        setOwnLog(own);
        try
        {
            return await RunTreeAsync(config, socket, token, budget, own, up, treeStarted).ConfigureAwait(false);
        }
        finally
        {
            setOwnLog(null);
        }
    }

    private static async Task<int> RunTreeAsync(
        DaemonConfig config, string socket, DashboardToken? token, LogBudget budget, ServiceLog ownLog, UpRun up, StrongBox<bool> treeStarted)
    {
        var cgroups = await ServiceCgroups.OpenAsync(config, up.Logger).ConfigureAwait(false);
        try
        {
            return await RunTreeAsync(config, socket, token, budget, ownLog, up, treeStarted, cgroups).ConfigureAwait(false);
        }
        finally
        {
            // The tree has stopped (or never started): whatever is still in a service's group goes, and the groups too.
            await cgroups.RemoveAllAsync().ConfigureAwait(false);
        }
    }

    private static async Task<int> RunTreeAsync(
        DaemonConfig config, string socket, DashboardToken? token, LogBudget budget, ServiceLog ownLog, UpRun up, StrongBox<bool> treeStarted, ServiceCgroups cgroups)
    {
        var logger = up.Logger;
        var time = TimeProvider.System;
        await using var node = up.Options.Cluster is null ? new Node() : new Node(new NodeOptions { Name = up.Options.NodeName!, LoggerFactory = up.LoggerFactory });
        ClusterMode? cluster = null;
        if (up.Options.Cluster is { } endpoints)
        {
            using var joining = new CancellationTokenSource(config.Cluster.Ttl * 2);
            (cluster, var joinError) = await ClusterMode.JoinAsync(node, config, endpoints, joining.Token).ConfigureAwait(false);
            if (cluster is null)
            {
                Console.Error.WriteLine($"trellis: cannot join the cluster at {endpoints}: {joinError}; nothing was started");
                return ExitCodes.NoCluster;
            }

            Log.JoinedCluster(logger, cluster.Self, endpoints, cluster.Member.Members.Count);
        }

        await using var leaving = cluster;
        ServiceTree? built = null;
        if (cluster is not null)
        {
            var (lifeline, lifelineError) = await ClusterLifeline.StartAsync(
                node, cluster, Path.Combine(config.StateDir, ".daemon"), n => built?.IsClusterService(n) == true, line => ownLog.Daemon(line)).ConfigureAwait(false);
            if (lifeline is null)
            {
                Console.Error.WriteLine($"trellis: {lifelineError}; nothing was started");
                return ExitCodes.Failed;
            }

            cluster.Lifeline = lifeline;
        }

        var events = new EventLog(time, e => Log.TreeEvent(logger, e));
        var ctx = new DaemonContext(node, time, events, budget, cgroups) { Programs = cluster?.Lifeline };
        var tree = built = new ServiceTree(ctx, config, cluster);
        tree.Root.Log = ownLog;
        Log.Starting(logger, config.Root.Name, config.File, socket);

        ApiServer api;
        try
        {
            api = await ApiServer.StartAsync(tree, config, socket, token, logger, file => ReloadAsync(tree, file, up.Options.StateDir is not null)).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            Console.Error.WriteLine($"trellis: cannot listen: {ex.Message}" + (config.Dashboard is { } d ? $" (dashboard {d.Bind}:{d.Port}: set dashboard.port, or --port 0 for any free port)" : string.Empty));
            return ExitCodes.Failed;
        }

        await using (api)
        {
            var stop = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            var reloads = new List<Task>();
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult("SIGTERM"); });
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult("SIGINT"); });
            using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c =>
            {
                c.Cancel = true;
                lock (reloads)
                {
                    reloads.Add(LogReloadAsync(tree, logger, up.Options.StateDir is not null));
                }
            });

            if (api.DashboardUrl is { } url)
            {
                var tokenFile = Path.Combine(config.StateDir, DashboardToken.FileName);
                Log.DashboardAt(logger, url, tokenFile);
                await File.WriteAllTextAsync(Path.Combine(config.StateDir, "dashboard.url"), url + "\n").ConfigureAwait(false);
            }

            var error = await tree.StartAsync().ConfigureAwait(false);
            if (error is not null)
            {
                Console.Error.WriteLine("trellis: " + error);
                return ExitCodes.Failed;
            }

            treeStarted.Value = true;
            var nodes = tree.Nodes.Skip(1).ToList();
            int services = nodes.Count(n => n.Config is ServiceConfig), supervisors = nodes.Count(n => n.Config is SupervisorConfig);
            Log.Started(logger, services, supervisors, nodes.Count - services - supervisors);

            // Starting mapped pages of the runtime, its libraries and its assemblies that a running daemon mostly does
            // not use again: given back, they stay in the page cache, and a page used again costs a minor fault.
            var released = CodePages.FindFiles().Release();
            Log.CodePagesReleased(logger, released / 1024);

            using var samplerStop = new CancellationTokenSource();
            var sampler = tree.Sampler.RunAsync(samplerStop.Token);
            var first = await Task.WhenAny(stop.Task, tree.RootExited).ConfigureAwait(false);

            // No memory restart may begin while the tree stops.
            await samplerStop.CancelAsync().ConfigureAwait(false);
            await sampler.ConfigureAwait(false);
            int code;
            if (first == stop.Task)
            {
                var signal = await stop.Task.ConfigureAwait(false);
                Log.Stopping(logger, signal);
                await tree.StopAsync().ConfigureAwait(false);
                code = ExitCodes.Ok;
            }
            else
            {
                var reason = Reasons.Describe(await tree.RootExited.ConfigureAwait(false));
                var root = (SupervisorConfig)tree.Root.Config;
                var last = tree.Events.Last("crashed") is { } crash ? $"{crash.Node} ({crash.Detail})" : "no crash on record";
                Log.RootEnded(logger, reason, root.Intensity, Units.Duration(root.Period), last);
                await tree.StopAsync().ConfigureAwait(false);
                code = ExitCodes.Failed;
            }

            Task[] pending;
            lock (reloads)
            {
                pending = [.. reloads];
            }

            await Task.WhenAll(pending).ConfigureAwait(false);
            Log.Stopped(logger);
            return code;
        }
    }

    private static async Task LogReloadAsync(ServiceTree tree, ILogger logger, bool keepStateDir)
    {
        var result = await ReloadAsync(tree, null, keepStateDir).ConfigureAwait(false);
        Log.Reloaded(logger, tree.Config.File, result.Message);
    }

    /// <summary>Reads <paramref name="file"/> (the tree's own file when null) and applies it; <paramref name="keepStateDir"/> when --state-dir overrode the file's.</summary>
    public static async Task<CommandResult> ReloadAsync(ServiceTree tree, string? file, bool keepStateDir)
    {
        var path = file is null ? tree.Config.File : Path.GetFullPath(file);
        var (next, errors) = CommandCheck.LoadRunnable(path);
        if (next is null)
        {
            return new CommandResult(ExitCodes.BadTree, string.Join(Environment.NewLine, errors) + Environment.NewLine + "nothing was changed");
        }

        if (keepStateDir)
        {
            next = next with { StateDir = tree.Config.StateDir };
        }

        return await tree.ReloadAsync(next).ConfigureAwait(false);
    }

    private static bool IsSocket(string path) => UnixFiles.IsSocket(path);

    private static async Task<bool> AnswersAsync(string socket)
    {
        if (!File.Exists(socket))
        {
            return false;
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await probe.ConnectAsync(new UnixDomainSocketEndPoint(socket)).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
