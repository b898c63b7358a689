using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Trellis.Daemon.Logs;

namespace Trellis.Daemon.Runtime;

/// <summary>
/// What a .NET worker's constructor may ask for: logging, and nothing else. Its loggers write into the worker's own
/// log (<see cref="TreeNode.Log"/>), which outlives each run.
/// </summary>
internal sealed class WorkerServices(TreeNode node) : IServiceProvider
{
    /// <summary>Whether a constructor parameter of this type can be given.</summary>
    public static bool Provides(Type t) =>
        t == typeof(ILoggerFactory) || t == typeof(ILogger) || (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(ILogger<>));

    public object Create(Type type) => ActivatorUtilities.CreateInstance(this, type);

    // The factory holds nothing to release: each one handed out only points at the node's log.
    public object? GetService(Type serviceType)
    {
        if (serviceType == typeof(ILoggerFactory))
        {
            return new ServiceLogLoggerFactory(() => node.Log);
        }

        if (serviceType == typeof(ILogger))
        {
            return new ServiceLogLoggerProvider(() => node.Log).CreateLogger(node.Name);
        }

        if (serviceType.IsGenericType && serviceType.GetGenericTypeDefinition() == typeof(ILogger<>))
        {
            return Activator.CreateInstance(typeof(Logger<>).MakeGenericType(serviceType.GetGenericArguments()[0]), new ServiceLogLoggerFactory(() => node.Log));
        }

        return null;
    }
}
