namespace Trellis.Cluster;

/// <summary>How a node joins a cluster: where etcd is, the cluster's name, and the lease that is its liveness.</summary>
public sealed class ClusterOptions
{
    /// <summary>etcd's client endpoints, comma-separated (<c>http://10.0.0.1:2379,http://10.0.0.2:2379</c>). Required.</summary>
    public string Endpoints { get; set; } = "";

    /// <summary>The cluster's name: the etcd keys live under <c>/trellis/&lt;Cluster&gt;/</c>. Defaults to <c>default</c>.</summary>
    public string Cluster { get; set; } = "default";

    /// <summary>
    /// The node lease's time to live, in whole seconds, at least 2 (etcd's minimum). A node whose lease expires is
    /// down for the whole cluster, and its children are started elsewhere. Defaults to 5 s.
    /// </summary>
    public TimeSpan LeaseTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long before its lease could expire a node that could not renew it stops its cluster children (it fences
    /// itself): at least the longest shutdown of a child plus clock drift. Defaults to a fifth of <see cref="LeaseTtl"/>.
    /// </summary>
    public TimeSpan? FenceMargin { get; set; }

    /// <summary>The bound on every request to etcd. Defaults to 1 s (a third of the lease's time to live at most).</summary>
    public TimeSpan? RequestTimeout { get; set; }

    /// <summary>Labels for placement constraints (<c>zone=a</c>, <c>gpu=true</c>).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; set; } = new Dictionary<string, string>();

    /// <summary>A PEM file with the CA that signed etcd's server certificates, for <c>https://</c> endpoints; the system's trust store when null.</summary>
    public string? EtcdCaFile { get; set; }

    /// <summary>This node's client certificate (PEM), for an etcd that checks its clients' certificates (<c>--client-cert-auth</c>); with <see cref="EtcdKeyFile"/>.</summary>
    public string? EtcdCertificateFile { get; set; }

    /// <summary>The client certificate's private key (PEM); it must not be readable by group or others (0600 or 0400).</summary>
    public string? EtcdKeyFile { get; set; }

    /// <summary>etcd's user, for an etcd with authentication enabled (<c>auth enable</c>); with <see cref="EtcdPasswordFile"/>.</summary>
    public string? EtcdUser { get; set; }

    /// <summary>A file whose first line is <see cref="EtcdUser"/>'s password; it must not be readable by group or others (0600 or 0400).</summary>
    public string? EtcdPasswordFile { get; set; }

    /// <summary>The clock; defaults to the node's.</summary>
    public TimeProvider? TimeProvider { get; set; }

    internal TimeSpan EffectiveMargin => FenceMargin ?? LeaseTtl / 5;

    internal TimeSpan EffectiveRequestTimeout => RequestTimeout ?? TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(1).Ticks, LeaseTtl.Ticks / 3));
}
