using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Trellis.Hosting.Internal;

namespace Trellis.Hosting;

/// <summary>Registers Trellis in a host.</summary>
public static class TrellisServiceCollectionExtensions
{
    /// <summary>
    /// Runs a Trellis root supervisor as a hosted service: started with the host, its children in order; stopped, in
    /// reverse order, within the host's shutdown timeout. When the root gives up, the host stops and the process exits
    /// with code 1. Registers the <see cref="Node"/>, <see cref="TrellisOptions"/> (bound from the <c>Trellis</c>
    /// configuration section) and a health check named <c>trellis</c>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Adds the root's children.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddTrellis(this IServiceCollection services, Action<TrellisBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var builder = new TrellisBuilder(services);
        configure(builder);
        services.AddOptions<TrellisOptions>().BindConfiguration(TrellisOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(builder);
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<TrellisOptions>>().Value;
            return new Node(new NodeOptions
            {
                Name = options.NodeName,
                TimeProvider = sp.GetRequiredService<TimeProvider>(),
                LoggerFactory = sp.GetService<ILoggerFactory>(),
                MeterFactory = sp.GetService<System.Diagnostics.Metrics.IMeterFactory>(),
                TrackProcesses = options.TrackProcesses,
            });
        });
        services.AddSingleton<SupervisionHealth>();
        services.AddSingleton<TrellisHostedService>();
        services.AddHostedService(sp => sp.GetRequiredService<TrellisHostedService>());
        services.AddHealthChecks().AddCheck<TrellisHealthCheck>("trellis");
        return services;
    }
}
