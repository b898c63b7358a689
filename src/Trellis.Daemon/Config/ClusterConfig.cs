namespace Trellis.Daemon.Config;

/// <summary>
/// The tree file's <c>cluster:</c> section: how this daemon's node joins the others when it runs with
/// <c>--cluster</c>. Every daemon of a cluster runs the same file; without <c>--cluster</c> the section is not used.
/// </summary>
internal sealed record ClusterConfig
{
    /// <summary>The default lease time to live: a dead daemon's services move after about this long.</summary>
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromSeconds(10);

    /// <summary>The cluster's name in etcd (its key prefix); the tree's name by default.</summary>
    public string? Name { get; init; }

    /// <summary>The node lease's time to live.</summary>
    public TimeSpan Ttl { get; init; } = DefaultTtl;

    /// <summary>
    /// How long before its lease could expire a daemon cut off from etcd stops its cluster services; two fifths of the
    /// TTL by default. A cluster service gets at most half of it to stop.
    /// </summary>
    public TimeSpan? FenceMargin { get; init; }

    /// <summary>The file holding the cookie the daemons prove to each other (mode 0600 or 0400).</summary>
    public string? CookieFile { get; init; }

    /// <summary>The TCP port of the node's network; 0 (the default) picks a free one, which the others learn from etcd.</summary>
    public int Port { get; init; }

    /// <summary>etcd's CA (PEM) for https:// endpoints; the system's trust store when null.</summary>
    public string? EtcdCaFile { get; init; }

    /// <summary>This daemon's client certificate and key (PEM) for an etcd that checks client certificates.</summary>
    public string? EtcdCertFile { get; init; }

    public string? EtcdKeyFile { get; init; }

    /// <summary>etcd's user and a file (0600) holding its password, for an etcd with authentication enabled.</summary>
    public string? EtcdUser { get; init; }

    public string? EtcdPasswordFile { get; init; }

    /// <summary>This node's placement labels.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public TimeSpan EffectiveMargin => FenceMargin ?? Ttl * 2 / 5;

    /// <summary>The longest a cluster service may take to stop: a fenced daemon must have stopped it before its lease ends.</summary>
    public TimeSpan MaxShutdown => EffectiveMargin / 2;
}
