using System.Collections.Concurrent;
using Grpc.Core;
using Trellis.Cluster.Internal;
using Trellis.Distribution;

namespace Trellis.Cluster;

/// <summary>
/// A node's membership of a cluster whose control plane is etcd. The node holds a lease and renews it on its own
/// timer; the lease is its liveness for the whole cluster, and its end is the authoritative node-down. A node that
/// cannot renew in time fences itself: it stops the cluster children it hosts before its lease can expire (so
/// nobody can have started them elsewhere yet), then rejoins as a new incarnation. Every write it makes is attached
/// to its lease or guarded by a fencing token, so a write from a node that was frozen past its lease is refused.
/// </summary>
public sealed class ClusterNode : IAsyncDisposable
{
    private readonly ClusterCore _core;
    private readonly ConcurrentDictionary<string, Func<GenServer>> _kinds;
    private readonly Pid _agent;

    private ClusterNode(ClusterCore core, ConcurrentDictionary<string, Func<GenServer>> kinds, Pid agent)
    {
        _core = core;
        _kinds = kinds;
        _agent = agent;
    }

    /// <summary>The node's name.</summary>
    public string Name => _core.Name;

    /// <summary>The node's network.</summary>
    public NodeNetwork Network => _core.Network;

    /// <summary>The node.</summary>
    public Node Node => _core.Network.Node;

    /// <summary>The lease this node holds now: a node that fenced itself and rejoined is a new incarnation.</summary>
    public long Incarnation => _core.Lease;

    /// <summary>
    /// True while this node may act for the cluster (a member, within its fence deadline). A cluster child with effects
    /// outside its process checks it before each one.
    /// </summary>
    public bool HoldsLease => _core.HoldsLease;

    /// <summary>True between fencing itself and rejoining.</summary>
    public bool IsFenced => _core.IsFenced;

    /// <summary>
    /// How long this node may still act for the cluster without another acknowledged renewal (zero once fenced): what
    /// a watchdog outside the process needs to stop the node's programs in time should the process freeze.
    /// </summary>
    public TimeSpan UntilFence => _core.UntilFence;

    /// <summary>The live members as this node's watch has seen them, in name order (this node among them).</summary>
    public IReadOnlyList<ClusterMember> Members => _core.Members;

    /// <summary>The options it joined with.</summary>
    public ClusterOptions Options => _core.Options;

    internal ClusterCore Core => _core;

    internal Pid Agent => _agent;

    /// <summary>
    /// Joins the cluster: grants this node's lease, writes its member record (its network address and labels) under it,
    /// reads the cluster's state, and watches it from there. Members' addresses are given to the network, so no
    /// <see cref="NodeNetwork.AddPeer"/> is needed between members.
    /// </summary>
    /// <param name="network">The node's network (its address is what the others connect to).</param>
    /// <param name="options">Where etcd is, the cluster's name, the lease's time to live.</param>
    /// <param name="cancellationToken">Stops the join.</param>
    /// <returns>The membership.</returns>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    /// <exception cref="ClusterUnavailableException">etcd did not answer within the request timeout, or refused.</exception>
    public static async Task<ClusterNode> JoinAsync(NodeNetwork network, ClusterOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        var store = new EtcdStore(options.Endpoints, options.EffectiveRequestTimeout, options.EffectiveRequestTimeout, EtcdSecurity.From(options));
        var core = new ClusterCore(network, options, store);
        try
        {
            await core.JoinAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            store.Dispose();
            throw;
        }

        var kinds = new ConcurrentDictionary<string, Func<GenServer>>(StringComparer.Ordinal);
        var agent = await GenServer.StartAsync(network.Node, () => new ClusterAgent(core, kinds), null, new GenServerOptions { Name = Protocol.AgentName }, cancellationToken).ConfigureAwait(false);
        if (!agent.IsOk)
        {
            await core.DisposeAsync().ConfigureAwait(false);
            store.Dispose();
            throw new InvalidOperationException($"the cluster agent did not start: {agent.Error}");
        }

        return new ClusterNode(core, kinds, agent.Pid);
    }

    /// <summary>
    /// Lets cluster supervisors start children of <paramref name="kind"/> on this node (a .NET closure cannot cross
    /// machines, so each node says what it can run). A child spec names its kind; placement only picks nodes that expose it.
    /// </summary>
    /// <param name="kind">The kind's name.</param>
    /// <param name="factory">Makes a new server for each start; its init gets the spec's argument.</param>
    /// <exception cref="ArgumentException">The name is invalid or taken.</exception>
    public void Expose(string kind, Func<GenServer> factory)
    {
        Names.Check(kind, nameof(kind));
        ArgumentNullException.ThrowIfNull(factory);
        if (!_kinds.TryAdd(kind, factory))
        {
            throw new ArgumentException($"the child kind '{kind}' is exposed already", nameof(kind));
        }
    }

    /// <summary>Whether this node exposes <paramref name="kind"/>.</summary>
    /// <param name="kind">The kind's name.</param>
    /// <returns>True if it does.</returns>
    public bool Exposes(string kind) => _kinds.ContainsKey(kind);

    /// <summary>Sends <see cref="MemberUp"/>, <see cref="MemberDown"/> and <see cref="MembershipChanged"/> to <paramref name="watcher"/> until <see cref="DemonitorMembers"/>.</summary>
    /// <param name="watcher">A process of this node.</param>
    public void MonitorMembers(Pid watcher)
    {
        if (!watcher.IsLocal)
        {
            throw new ArgumentException("the watcher must be a process of this node", nameof(watcher));
        }

        _core.MonitorMembers(watcher);
    }

    /// <summary>Stops the messages of <see cref="MonitorMembers"/>.</summary>
    /// <param name="watcher">The process.</param>
    public void DemonitorMembers(Pid watcher) => _core.Unsubscribe(watcher);

    /// <summary>
    /// Registers <paramref name="name"/> for <paramref name="pid"/> (a process of this node) across the cluster, by one
    /// create-if-absent transaction under this node's lease: consistent, not eventual. During a partition the side
    /// without etcd's quorum cannot register, and no merge ever has to kill a process. The name goes when the process
    /// exits, when it is unregistered, or when this node's lease ends.
    /// </summary>
    /// <param name="name">The name (no '/', space or control character; at most 200 characters).</param>
    /// <param name="pid">The process.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>Registered, Taken (with the holder), or Unavailable (with why).</returns>
    public async Task<NameRegistration> RegisterNameAsync(string name, Pid pid, CancellationToken cancellationToken = default)
    {
        var reply = await AskAgentAsync([Protocol.Register, name, pid], cancellationToken).ConfigureAwait(false);
        return reply switch
        {
            Atom ok when ok == Protocol.Ok => new NameRegistration(NameRegistrationStatus.Registered, pid, null),
            object?[] { Length: 2 } held when held[0] is Atom h && h == Protocol.Held => new NameRegistration(NameRegistrationStatus.Taken, held[1] is Pid p ? p : Pid.None, null),
            _ => new NameRegistration(NameRegistrationStatus.Unavailable, Pid.None, ErrorText(reply)),
        };
    }

    /// <summary>Removes a name this node registered.</summary>
    /// <param name="name">The name.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>True when it was this node's and is gone now.</returns>
    public async Task<bool> UnregisterNameAsync(string name, CancellationToken cancellationToken = default) =>
        await AskAgentAsync([Protocol.Unregister, name], cancellationToken).ConfigureAwait(false) is Atom ok && ok == Protocol.Ok;

    /// <summary>The process registered under <paramref name="name"/>, read from etcd (linearizable): none when it is not registered.</summary>
    /// <param name="name">The name.</param>
    /// <param name="cancellationToken">Stops waiting (the read is bounded by the request timeout).</param>
    /// <returns>The pid, or <see cref="Pid.None"/>.</returns>
    /// <exception cref="ClusterUnavailableException">etcd did not answer.</exception>
    public async Task<Pid> WhereIsAsync(string name, CancellationToken cancellationToken = default)
    {
        Names.Check(name, nameof(name));
        try
        {
            var found = await _core.Store.GetAsync(_core.Keys.Name(name), cancellationToken).ConfigureAwait(false);
            return found.Kvs.Count > 0 && RecordCodec.Process(found.Kvs[0].Value) is { } record ? _core.PidOf(record) : Pid.None;
        }
        catch (RpcException e)
        {
            throw new ClusterUnavailableException($"etcd did not answer the lookup of '{name}': {e.StatusCode}", e);
        }
    }

    /// <summary>The process registered under <paramref name="name"/> as this node's watch has seen it (no round trip; it may lag a change by the watch's delay).</summary>
    /// <param name="name">The name.</param>
    /// <returns>The pid, or <see cref="Pid.None"/>.</returns>
    public Pid WhereIs(string name) => _core.CachedName(name);

    /// <summary>The cluster names this node's watch has seen, in name order.</summary>
    public IReadOnlyList<string> RegisteredNames => _core.CachedNames();

    /// <summary>Calls the server registered under <paramref name="name"/> wherever it runs (the <c>via</c> of a cluster name).</summary>
    /// <param name="name">The cluster name.</param>
    /// <param name="request">The request.</param>
    /// <param name="timeout">The call's timeout; <see cref="GenServer.DefaultCallTimeout"/> if null.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The reply.</returns>
    /// <exception cref="ExitException">No process has the name (<c>noproc</c>), or the call failed.</exception>
    public async ValueTask<object?> CallAsync(string name, object request, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var pid = WhereIs(name);
        if (pid.IsNone)
        {
            pid = await WhereIsAsync(name, cancellationToken).ConfigureAwait(false);
        }

        if (pid.IsNone)
        {
            throw new ExitException(ExitReason.NoProc);
        }

        return await GenServer.CallAsync(pid, request, timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Casts to the server registered under <paramref name="name"/>, as this node's watch knows it.</summary>
    /// <param name="name">The cluster name.</param>
    /// <param name="request">The request.</param>
    /// <returns>False when no process has the name here.</returns>
    public bool Cast(string name, object request) => WhereIs(name) is { IsNone: false } pid && GenServer.Cast(pid, request);

    /// <summary>Leaves the cluster: stops the children hosted here, then revokes the lease so the others move them at once.</summary>
    /// <returns>A task that completes when it has left.</returns>
    public async ValueTask DisposeAsync()
    {
        await GenServer.StopAsync(_agent, ExitReason.Shutdown, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        await _core.DisposeAsync().ConfigureAwait(false);
        _core.Store.Dispose();
    }

    internal async Task<object?> AskAgentAsync(object?[] request, CancellationToken cancellationToken)
    {
        try
        {
            return await GenServer.CallAsync(_agent, request, _core.Store.Timeout * 4, cancellationToken).ConfigureAwait(false);
        }
        catch (ExitException e)
        {
            return new object?[] { Protocol.Error, $"the agent did not answer: {e.Reason}" };
        }
        catch (CallException e)
        {
            return new object?[] { Protocol.Error, $"the agent did not answer: {e.Message}" };
        }
    }

    internal static string ErrorText(object? reply) => reply switch
    {
        object?[] { Length: 2 } e when e[0] is Atom a && a == Protocol.Error => e[1]?.ToString() ?? "error",
        _ => Terms.Format(reply),
    };

    private static void Validate(ClusterOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Endpoints))
        {
            throw new ArgumentException("ClusterOptions.Endpoints is required (etcd's client URLs, comma-separated)", nameof(options));
        }

        foreach (var endpoint in options.Endpoints.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Port <= 0)
            {
                throw new ArgumentException($"ClusterOptions.Endpoints: '{endpoint}' is not an http:// or https:// URL with a port", nameof(options));
            }
        }

        if (options.Endpoints.Split(',', StringSplitOptions.TrimEntries).Select(e => e.StartsWith("https://", StringComparison.OrdinalIgnoreCase)).Distinct().Count() > 1)
        {
            throw new ArgumentException("ClusterOptions.Endpoints: all http:// or all https://, not both", nameof(options));
        }

        if (!Names.IsValid(options.Cluster, out var error))
        {
            throw new ArgumentException($"ClusterOptions.Cluster '{options.Cluster}': {error}", nameof(options));
        }

        if (!FenceRule.IsWorkable(options.LeaseTtl, options.EffectiveMargin, options.EffectiveRequestTimeout, out error))
        {
            throw new ArgumentException(error, nameof(options));
        }

        foreach (var (key, value) in options.Labels)
        {
            if (string.IsNullOrEmpty(key) || key.Length > 100 || value is null || value.Length > 200)
            {
                throw new ArgumentException($"ClusterOptions.Labels: '{key}' must be 1 to 100 characters with a value of at most 200", nameof(options));
            }
        }
    }
}
