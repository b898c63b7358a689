using Microsoft.Extensions.Hosting;
using Trellis.Hosting.Internal;

namespace Trellis.Hosting;

/// <summary>
/// Hosted services (a <see cref="BackgroundService"/> among them) as children of any Trellis supervisor, outside
/// the generic host too: started with <see cref="IHostedService.StartAsync"/>, a faulted <c>ExecuteTask</c> is a
/// crash, an exit signal stops it with <see cref="IHostedService.StopAsync"/>.
/// </summary>
public static class HostedServiceChildren
{
    /// <summary>A child spec that makes a new service with <paramref name="create"/> at every start.</summary>
    /// <param name="id">The child's id.</param>
    /// <param name="create">Makes the service.</param>
    /// <param name="restart">The restart type; permanent by default.</param>
    /// <param name="shutdown">The shutdown; five seconds by default.</param>
    /// <returns>The spec.</returns>
    public static ChildSpec Spec(string id, Func<IHostedService> create, RestartType restart = RestartType.Permanent, Shutdown? shutdown = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentNullException.ThrowIfNull(create);
        return HostedServiceChild.Spec(id, create, restart, shutdown ?? Shutdown.DefaultWorker);
    }
}
