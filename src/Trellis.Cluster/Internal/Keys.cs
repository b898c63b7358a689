using System.Diagnostics;

namespace Trellis.Cluster.Internal;

/// <summary>
/// The cluster's keyspace in etcd, all under <c>/trellis/&lt;cluster&gt;/</c>. Keys marked ⏱ are attached to the writer's
/// node lease, so they vanish with the node:
/// <c>nodes/&lt;node&gt;</c> ⏱ (address, incarnation, labels);
/// <c>sup/&lt;sup&gt;/owner</c> ⏱ (the owner; its create revision is the supervisor's epoch, the fencing token);
/// <c>sup/&lt;sup&gt;/standby/&lt;node&gt;</c> ⏱ (a node standing by to take the supervisor over);
/// <c>run/&lt;sup&gt;/&lt;child&gt;</c> ⏱ (the hosting node's copy: at most one, by create-if-absent);
/// <c>names/&lt;name&gt;</c> ⏱ (a cluster-wide name).
/// </summary>
internal sealed class Keys
{
    public Keys(string cluster)
    {
        Debug.Assert(Names.IsValid(cluster, out _), "the cluster's name was checked");
        Root = $"/trellis/{cluster}/";
        Nodes = Root + "nodes/";
        Sups = Root + "sup/";
        Runs = Root + "run/";
        NamesPrefix = Root + "names/";
    }

    public string Root { get; }

    public string Nodes { get; }

    public string Sups { get; }

    public string Runs { get; }

    public string NamesPrefix { get; }

    public string Node(string node) => Nodes + node;

    public string Owner(string sup) => Sups + sup + "/owner";

    /// <summary>A standby of <paramref name="sup"/> on <paramref name="node"/> ⏱.</summary>
    public string Standby(string sup, string node) => Sups + sup + "/standby/" + node;

    public string StandbysOf(string sup) => Sups + sup + "/standby/";

    public string RunsOf(string sup) => Runs + sup + "/";

    public string Run(string sup, string child) => Runs + sup + "/" + child;

    public string Name(string name) => NamesPrefix + name;

    /// <summary>The supervisor of an owner key, or null when <paramref name="key"/> is not one.</summary>
    public string? SupOfOwner(string key) =>
        key.StartsWith(Sups, StringComparison.Ordinal) && key.EndsWith("/owner", StringComparison.Ordinal) && key.Length > Sups.Length + 6
            ? key[Sups.Length..^6]
            : null;

    /// <summary>The supervisor and child of a run key, or null when <paramref name="key"/> is not one.</summary>
    public (string Sup, string Child)? RunParts(string key)
    {
        if (!key.StartsWith(Runs, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = key.AsSpan(Runs.Length);
        var slash = rest.IndexOf('/');
        return slash <= 0 || slash == rest.Length - 1 ? null : (rest[..slash].ToString(), rest[(slash + 1)..].ToString());
    }
}
