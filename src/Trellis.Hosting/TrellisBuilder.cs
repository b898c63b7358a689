using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Trellis.Hosting.Internal;

namespace Trellis.Hosting;

/// <summary>The root supervisor's children, in start order (and stopped in reverse).</summary>
public sealed class TrellisBuilder
{
    private readonly List<Func<IServiceProvider, ChildSpec>> _children = [];

    internal TrellisBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection.</summary>
    public IServiceCollection Services { get; }

    internal IReadOnlyList<Func<IServiceProvider, ChildSpec>> Children => _children;

    /// <summary>Adds a child.</summary>
    /// <param name="spec">The child's spec.</param>
    /// <returns>This builder.</returns>
    public TrellisBuilder AddChild(ChildSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        _children.Add(_ => spec);
        return this;
    }

    /// <summary>Adds a child whose spec is made from the host's services when the root starts.</summary>
    /// <param name="spec">Makes the spec.</param>
    /// <returns>This builder.</returns>
    public TrellisBuilder AddChild(Func<IServiceProvider, ChildSpec> spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        _children.Add(spec);
        return this;
    }

    /// <summary>
    /// Supervises a hosted service (a <see cref="BackgroundService"/> too): a new instance, made from the host's services,
    /// at every start; a BackgroundService whose ExecuteAsync throws crashes its child and is restarted per
    /// <paramref name="restart"/>; one whose ExecuteAsync returns exits normally. Do not also register it with
    /// AddHostedService: the host would run it unsupervised.
    /// </summary>
    /// <typeparam name="TService">The service type.</typeparam>
    /// <param name="id">The child's id; the type's name by default.</param>
    /// <param name="restart">Its restart type.</param>
    /// <param name="shutdown">How long its StopAsync may take; 5 seconds by default.</param>
    /// <returns>This builder.</returns>
    public TrellisBuilder AddHostedService<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TService>(string? id = null, RestartType restart = RestartType.Permanent, Shutdown? shutdown = null)
        where TService : class, IHostedService
    {
        _children.Add(sp => HostedServiceChild.Spec(id ?? typeof(TService).Name, () => ActivatorUtilities.CreateInstance<TService>(sp), restart, shutdown ?? Shutdown.DefaultWorker));
        return this;
    }
}
