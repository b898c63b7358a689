using Trellis.Daemon.Runtime;

namespace Trellis.Daemon.Api;

/// <summary>The cluster as this daemon sees it (<c>trellis nodes</c>, the dashboard): the members by their etcd leases, and which cluster services each runs.</summary>
internal static class ClusterView
{
    public static object Of(ClusterMode cluster, ServiceTree tree)
    {
        var services = tree.ClusterNode?.Children.Select(c => c.Name).ToList() ?? [];
        var placed = services.Select(s => (Service: s, Placement: cluster.Placement(s))).ToList();
        var owner = placed.Select(p => p.Placement?.Epoch ?? 0).DefaultIfEmpty(0).Max();
        return new
        {
            self = cluster.Self,
            supervisor = cluster.SupervisorId,
            epoch = owner,
            holds_lease = cluster.Member.HoldsLease,
            fenced = cluster.Member.IsFenced,
            ttl_seconds = cluster.Config.Ttl.TotalSeconds,
            members = cluster.Member.Members.Select(m => new
            {
                name = m.Name,
                address = m.Address,
                lease = m.Incarnation.ToString("x", System.Globalization.CultureInfo.InvariantCulture),
                state = m.Name == cluster.Self ? (cluster.Member.HoldsLease ? "alive" : "fenced") : "alive",
                self = m.Name == cluster.Self,
                labels = m.Labels,
                services = placed.Where(p => p.Placement?.Node == m.Name && !p.Placement.Pid.IsNone).Select(p => p.Service).ToList(),
            }).ToList(),
            waiting = placed.Where(p => p.Placement is null || p.Placement.Pid.IsNone).Select(p => p.Service).ToList(),
        };
    }
}
