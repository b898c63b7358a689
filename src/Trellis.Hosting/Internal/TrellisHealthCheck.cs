using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Trellis.Hosting.Internal;

/// <summary>Healthy; Degraded while restarts happen within the root's intensity window; Unhealthy after the root gave up.</summary>
internal sealed class TrellisHealthCheck(SupervisionHealth health, IOptions<TrellisOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (health.GaveUp is { } reason)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"the root supervisor gave up: {reason}"));
        }

        var restarts = health.Restarts;
        return Task.FromResult(restarts > 0
            ? HealthCheckResult.Degraded($"{restarts} restart(s) in the last {options.Value.Period.TotalSeconds:0.###} s")
            : HealthCheckResult.Healthy());
    }
}
