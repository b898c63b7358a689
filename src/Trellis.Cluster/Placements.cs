namespace Trellis.Cluster;

/// <summary>The built-in placements. Each prefers a node other than <see cref="PlacementRequest.Avoid"/>, and breaks ties by name, so a choice is reproducible.</summary>
public static class Placements
{
    /// <summary>The candidate with the fewest of this supervisor's children: a supervisor's children spread over the nodes.</summary>
    public static IPlacement Spread { get; } = new ByLoad(static (r, n) => r.SupervisorLoad(n), static (r, n) => r.ClusterLoad(n));

    /// <summary>The candidate with the fewest cluster children of any supervisor.</summary>
    public static IPlacement LeastLoaded { get; } = new ByLoad(static (r, n) => r.ClusterLoad(n), static (r, n) => r.SupervisorLoad(n));

    /// <summary>The supervisor's own node when it is a candidate (and not to be avoided), else the least loaded.</summary>
    public static IPlacement LocalFirst { get; } = new Local();

    private sealed class ByLoad(Func<PlacementRequest, string, int> first, Func<PlacementRequest, string, int> second) : IPlacement
    {
        public string? Choose(PlacementRequest request)
        {
            ArgumentNullException.ThrowIfNull(request);
            var pool = Preferred(request);
            return pool.OrderBy(m => first(request, m.Name)).ThenBy(m => second(request, m.Name)).ThenBy(m => m.Name, StringComparer.Ordinal).FirstOrDefault()?.Name;
        }
    }

    private sealed class Local : IPlacement
    {
        public string? Choose(PlacementRequest request)
        {
            ArgumentNullException.ThrowIfNull(request);
            return Preferred(request).Any(m => m.Name == request.LocalNode) ? request.LocalNode : LeastLoaded.Choose(request);
        }
    }

    private static IReadOnlyList<ClusterMember> Preferred(PlacementRequest request)
    {
        var others = request.Candidates.Where(m => m.Name != request.Avoid).ToList();
        return others.Count > 0 ? others : request.Candidates;
    }

    /// <summary>Whether <paramref name="member"/> has every label in <paramref name="required"/>.</summary>
    /// <param name="member">The member.</param>
    /// <param name="required">The labels a child needs.</param>
    /// <returns>True when it has them all.</returns>
    public static bool Satisfies(ClusterMember member, IReadOnlyDictionary<string, string> required)
    {
        ArgumentNullException.ThrowIfNull(member);
        ArgumentNullException.ThrowIfNull(required);
        return required.All(l => member.Labels.TryGetValue(l.Key, out var v) && v == l.Value);
    }
}
