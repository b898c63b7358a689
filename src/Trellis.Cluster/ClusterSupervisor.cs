using Trellis.Cluster.Internal;

namespace Trellis.Cluster;

/// <summary>
/// A supervisor whose children run on the cluster's nodes. It is owned by one node at a time (a create-if-absent
/// transaction under that node's lease; the key's revision is its epoch, the fencing token of every start and stop),
/// places each child with <see cref="ClusterSupervisorSpec.Placement"/>, and restarts it by OTP's strategy, restart
/// type and intensity, on another node when its node died. Never two copies: a child starts only after its host has
/// created the child's run key under its own lease, and a replacement only after the old key is gone. Never an
/// orphan: when the owner's node dies (or stops the supervisor), every agent hosting its children stops them; a host
/// cut off from etcd stops them itself before its lease can expire. With <see cref="ClusterSupervisorSpec.Standby"/>
/// nodes, a start on a standby while another node owns it stands by (its pid answers <see cref="WhichChildrenAsync"/>
/// and forwards child operations to the owner), takes over when the owner goes, and adopts what still runs.
/// </summary>
public static class ClusterSupervisor
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Starts the supervisor on <paramref name="node"/>, unlinked; it returns once every child runs (or an error).</summary>
    /// <param name="node">The owning node.</param>
    /// <param name="spec">The supervisor.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>Ok with the supervisor's pid (standing by, on a standby node that found it owned); an error <c>{already_started, Node}</c> when a live node owns it, <c>{shutdown, fenced}</c> while this node is fenced, <c>{unavailable, Detail}</c> when etcd does not answer, or <c>{shutdown, {failed_to_start_child, Id, Reason}}</c>.</returns>
    public static ValueTask<StartResult> StartAsync(ClusterNode node, ClusterSupervisorSpec spec, CancellationToken cancellationToken = default)
    {
        Check(node, spec);
        return GenServer.StartAsync(node.Node, () => new ClusterSupervisorServer(node, spec), null, null, cancellationToken);
    }

    /// <summary>Starts the supervisor linked to <paramref name="parent"/> (a local supervisor that restarts it, for instance after this node fenced itself).</summary>
    /// <param name="parent">The parent process.</param>
    /// <param name="node">The owning node.</param>
    /// <param name="spec">The supervisor.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>As <see cref="StartAsync"/>.</returns>
    public static ValueTask<StartResult> StartLinkAsync(ProcessContext parent, ClusterNode node, ClusterSupervisorSpec spec, CancellationToken cancellationToken = default)
    {
        Check(node, spec);
        return GenServer.StartLinkAsync(parent, () => new ClusterSupervisorServer(node, spec), null, null, cancellationToken);
    }

    /// <summary>A child spec for a local supervisor: the cluster supervisor as a supervisor child.</summary>
    /// <param name="node">The owning node.</param>
    /// <param name="spec">The cluster supervisor.</param>
    /// <returns>The child spec (id: the spec's id).</returns>
    public static ChildSpec ChildSpec(ClusterNode node, ClusterSupervisorSpec spec)
    {
        Check(node, spec);
        return new ChildSpec
        {
            Id = spec.Id,
            Start = (sup, _) => StartLinkAsync(sup, node, spec),
            Type = ChildType.Supervisor,
            Modules = ["ClusterSupervisor"],
        };
    }

    /// <summary>Its children in start order: where each runs, or that it waits for its old copy to go.</summary>
    /// <param name="supervisor">The supervisor.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The children.</returns>
    public static async Task<IReadOnlyList<ClusterChildInfo>> WhichChildrenAsync(Pid supervisor, CancellationToken cancellationToken = default) =>
        (IReadOnlyList<ClusterChildInfo>)(await GenServer.CallAsync(supervisor, Protocol.Which, CallTimeout, cancellationToken).ConfigureAwait(false))!;

    /// <summary>Adds a child and starts it (OTP's <c>start_child</c>).</summary>
    /// <param name="supervisor">The supervisor.</param>
    /// <param name="child">The child.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>Null when it runs; else why not (<c>already_present</c>, or the start's error).</returns>
    public static async Task<object?> StartChildAsync(Pid supervisor, ClusterChildSpec child, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(child);
        return await GenServer.CallAsync(supervisor, child, CallTimeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops a child and keeps its spec (OTP's <c>terminate_child</c>).</summary>
    /// <param name="supervisor">The supervisor.</param>
    /// <param name="id">The child's id.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>Null when done; <c>not_found</c> otherwise.</returns>
    public static Task<object?> TerminateChildAsync(Pid supervisor, string id, CancellationToken cancellationToken = default) => Ask(supervisor, "terminate", id, cancellationToken);

    /// <summary>Starts a terminated child again (OTP's <c>restart_child</c>).</summary>
    /// <param name="supervisor">The supervisor.</param>
    /// <param name="id">The child's id.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>Null when it runs; <c>running</c>, <c>not_found</c>, or the start's error.</returns>
    public static Task<object?> RestartChildAsync(Pid supervisor, string id, CancellationToken cancellationToken = default) => Ask(supervisor, "restart", id, cancellationToken);

    /// <summary>Forgets a terminated child's spec (OTP's <c>delete_child</c>).</summary>
    /// <param name="supervisor">The supervisor.</param>
    /// <param name="id">The child's id.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>Null when done; <c>running</c> or <c>not_found</c>.</returns>
    public static Task<object?> DeleteChildAsync(Pid supervisor, string id, CancellationToken cancellationToken = default) => Ask(supervisor, "delete", id, cancellationToken);

    private static async Task<object?> Ask(Pid supervisor, string op, string id, CancellationToken cancellationToken) =>
        await GenServer.CallAsync(supervisor, new object?[] { new Atom(op), id }, CallTimeout, cancellationToken).ConfigureAwait(false);

    private static void Check(ClusterNode node, ClusterSupervisorSpec spec)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(spec);
        Names.Check(spec.Id, "ClusterSupervisorSpec.Id");
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var child in spec.Children)
        {
            Names.Check(child.Id, "ClusterChildSpec.Id");
            Names.Check(child.Kind, "ClusterChildSpec.Kind");
            if (child.Name is not null)
            {
                Names.Check(child.Name, "ClusterChildSpec.Name");
            }

            if (!ids.Add(child.Id))
            {
                throw new ArgumentException($"ClusterSupervisorSpec '{spec.Id}': two children have the id '{child.Id}'", nameof(spec));
            }

            if (child.Shutdown is { } shutdown && (shutdown < TimeSpan.Zero || shutdown >= node.Options.EffectiveMargin))
            {
                throw new ArgumentException($"ClusterChildSpec '{child.Id}': Shutdown ({child.Shutdown}) must be below the node's fence margin ({node.Options.EffectiveMargin}), or a fenced node could not stop it before its lease ends", nameof(spec));
            }
        }

        if (spec.Flags.Intensity < 0 || spec.Flags.Period < TimeSpan.Zero)
        {
            throw new ArgumentException($"ClusterSupervisorSpec '{spec.Id}': Intensity and Period must not be negative", nameof(spec));
        }
    }
}
