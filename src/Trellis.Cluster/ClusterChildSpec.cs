namespace Trellis.Cluster;

/// <summary>A child of a cluster supervisor: a server of a kind the hosting node exposes (<see cref="ClusterNode.Expose"/>), with OTP's restart type and shutdown.</summary>
/// <param name="Id">The child's id, unique in its supervisor (no '/', space or control character).</param>
/// <param name="Kind">The kind of server; only nodes that expose it run the child.</param>
public sealed record ClusterChildSpec(string Id, string Kind)
{
    /// <summary>The server's init argument: a built-in term or a type registered in the network's message types.</summary>
    public object? Argument { get; init; }

    /// <summary>When to restart it: permanent (always), transient (after an abnormal exit, which includes <c>noconnection</c>), temporary (never).</summary>
    public RestartType Restart { get; init; } = RestartType.Permanent;

    /// <summary>How long it gets to stop after the shutdown signal before it is killed; below the fence margin, so a fenced node stops it in time. Defaults to half the margin.</summary>
    public TimeSpan? Shutdown { get; init; }

    /// <summary>A cluster-wide name for the running copy, wherever it runs (registered by its host, gone with it); null for none.</summary>
    public string? Name { get; init; }

    /// <summary>Labels a node must have (all of them, with these values) to run the child.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>An anti-affinity group: no two children of one supervisor with the same group run on one node (replicas of a service, for instance); null for none.</summary>
    public string? AntiAffinity { get; init; }
}
