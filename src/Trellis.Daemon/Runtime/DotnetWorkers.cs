using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Trellis.Daemon.Config;
using Trellis.Hosting;

namespace Trellis.Daemon.Runtime;

/// <summary>
/// In-process .NET workers named in the tree file: a <see cref="GenServer"/> type (started with the node's
/// <c>argument</c>) or an <see cref="IHostedService"/> such as a BackgroundService (started, watched, stopped),
/// loaded from the named assembly, with a public constructor that takes nothing or only logging
/// (<see cref="ILogger"/>, <see cref="ILogger{T}"/>, <see cref="ILoggerFactory"/>): what the worker logs goes to its
/// own log, shown by <c>trellis logs</c> and the dashboard like a program's output.
/// </summary>
internal static class DotnetWorkers
{
    private static readonly ConcurrentDictionary<(string, string), Type> Types = new();

    /// <summary>Loads the node's type; the error says what is wrong and where.</summary>
    public static Type? Resolve(DotnetConfig config, out string? error)
    {
        error = null;
        if (Types.TryGetValue((config.Assembly, config.Type), out var cached))
        {
            return cached;
        }

        Assembly assembly;
        try
        {
            assembly = System.Runtime.Loader.AssemblyLoadContext.Default.LoadFromAssemblyPath(config.Assembly);
        }
        catch (Exception ex) when (ex is FileNotFoundException or BadImageFormatException or FileLoadException or ArgumentException)
        {
            error = $"dotnet '{config.Name}': cannot load {config.Assembly}: {ex.Message}";
            return null;
        }

        var type = assembly.GetType(config.Type, throwOnError: false);
        if (type is null)
        {
            error = $"dotnet '{config.Name}': {config.Assembly} has no type {config.Type}";
            return null;
        }

        if (!typeof(GenServer).IsAssignableFrom(type) && !typeof(IHostedService).IsAssignableFrom(type))
        {
            error = $"dotnet '{config.Name}': {config.Type} is neither a GenServer nor an IHostedService";
            return null;
        }

        if (type.IsAbstract || !type.GetConstructors().Any(c => c.GetParameters().All(p => WorkerServices.Provides(p.ParameterType))))
        {
            error = $"dotnet '{config.Name}': {config.Type} needs a public constructor that takes nothing, or only an ILogger, ILogger<T> or ILoggerFactory";
            return null;
        }

        return Types.GetOrAdd((config.Assembly, config.Type), type);
    }

    public static async ValueTask<StartResult> StartAsync(ProcessContext supervisor, TreeNode node, DaemonContext ctx, bool operatorStart)
    {
        await Task.WhenAll(node.Watches()).ConfigureAwait(false);
        using var starting = node.EnterStart(ctx.Time.GetUtcNow());
        var config = (DotnetConfig)node.Config;
        var type = Resolve(config, out var error);
        if (type is null)
        {
            node.StartFailed(error!, ctx.Time.GetUtcNow());
            ctx.Events.Add(node.Name, "start_failed", error!);
            return StartResult.Fail(ExitReason.Of(error!));
        }

        var services = new WorkerServices(node);
        StartResult start;
        if (typeof(GenServer).IsAssignableFrom(type))
        {
            start = await GenServer.StartLinkAsync(supervisor, () => (GenServer)services.Create(type), config.Argument).ConfigureAwait(false);
        }
        else
        {
            var spec = HostedServiceChildren.Spec(node.Name, () => (IHostedService)services.Create(type));
            start = await spec.Start(supervisor, spec.Arguments).ConfigureAwait(false);
        }

        if (!start.IsOk)
        {
            node.StartFailed(start.ToString(), ctx.Time.GetUtcNow());
            ctx.Events.Add(node.Name, "start_failed", start.ToString());
            return start;
        }

        var run = new NodeRun(start.Pid, ctx.Time.GetUtcNow(), spawned: true);
        var restart = node.Began(run, operatorStart);
        node.Own(ProcessWatch.WatchAsync(node, run, ctx));
        ctx.Events.Add(node.Name, restart ? "restarting" : "started", start.Pid.ToString());
        return start;
    }
}
