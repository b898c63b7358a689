using Microsoft.AspNetCore.Builder;
using Trellis.Hosting.AspNetCore.Internal;

namespace Trellis.Hosting.AspNetCore;

/// <summary>Adds ASP.NET Core web applications to a host's supervision tree.</summary>
public static class TrellisWebApplicationExtensions
{
    /// <summary>
    /// Runs an ASP.NET Core web application (Kestrel) as a supervised subtree: a supervisor whose one worker builds the
    /// application, starts it, and stops it within <paramref name="shutdown"/> when the tree stops. A web application
    /// that stops by itself, or fails to start, is restarted per <paramref name="restart"/>. The builder it is given
    /// has a lifetime that leaves Ctrl-C and SIGTERM to the outer host, so the application stops only with its tree.
    /// </summary>
    /// <param name="trellis">The root supervisor's children.</param>
    /// <param name="id">The subtree's id.</param>
    /// <param name="build">Configures the given builder and builds the application, at every start; gets the host's services.</param>
    /// <param name="restart">The subtree's restart type.</param>
    /// <param name="shutdown">How long Kestrel may take to drain; 10 seconds by default.</param>
    /// <returns>The builder.</returns>
    public static TrellisBuilder AddWebApplication(
        this TrellisBuilder trellis,
        string id,
        Func<IServiceProvider, WebApplicationBuilder, WebApplication> build,
        RestartType restart = RestartType.Permanent,
        Shutdown? shutdown = null)
    {
        ArgumentNullException.ThrowIfNull(trellis);
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentNullException.ThrowIfNull(build);
        return trellis.AddChild(sp => WebApplicationChild.Spec(id, () => build(sp, WebApplicationChild.CreateBuilder()), restart, shutdown ?? Shutdown.After(TimeSpan.FromSeconds(10))));
    }
}
