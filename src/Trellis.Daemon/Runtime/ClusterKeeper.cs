using Trellis.Cluster;

namespace Trellis.Daemon.Runtime;

/// <summary>
/// The tree's <c>cluster</c> node: keeps this daemon's cluster supervisor (owner or standby) running. The cluster
/// supervisor ends when this node fences itself or loses ownership; that is no fault of the tree's, so the keeper
/// starts it again once the node holds its lease (at once, on rejoining, or on its retry timer) rather than letting
/// the root count it against its intensity.
/// </summary>
internal sealed class ClusterKeeper(ClusterMode cluster, Cluster.ClusterSupervisorSpec spec, Action<string> log) : GenServer
{
    private static readonly Atom Retry = new("retry");
    private ITimer? _retry;

    protected override async ValueTask<InitResult> InitAsync(object? argument)
    {
        Context.TrapExit = true;
        cluster.Member.MonitorMembers(Self);
        var started = await ClusterSupervisor.StartLinkAsync(Context, cluster.Member, spec, Context.CancellationToken).ConfigureAwait(false);
        if (!started.IsOk)
        {
            cluster.Member.DemonitorMembers(Self);
            return InitResult.Stop(started.Error ?? ExitReason.Of(new Atom("not_started")));
        }

        cluster.Supervisor = started.Pid;
        return InitResult.Ok();
    }

    protected override async ValueTask<ServerResult> HandleInfoAsync(object message)
    {
        switch (message)
        {
            case ExitMessage exit when exit.From == cluster.Supervisor:
                cluster.Supervisor = Pid.None;
                log($"the cluster supervisor ended ({Reasons.Describe(exit.Reason)}); it starts again once this node holds its lease");
                Arm();
                break;
            case MembershipChanged { Fenced: false }:
            case Atom a when a == Retry:
                await StartAgainAsync().ConfigureAwait(false);
                break;
        }

        return NoReply();
    }

    protected override async ValueTask TerminateAsync(ExitReason reason)
    {
        cluster.Member.DemonitorMembers(Self);
        if (_retry is not null)
        {
            await _retry.DisposeAsync().ConfigureAwait(false);
        }

        if (cluster.Supervisor is { IsNone: false } sup)
        {
            cluster.Supervisor = Pid.None;
            var exited = Node.WaitForExitAsync(sup);
            Node.Exit(sup, ExitReason.Shutdown);
            await exited.ConfigureAwait(false);
        }
    }

    private async Task StartAgainAsync()
    {
        if (_retry is not null)
        {
            await _retry.DisposeAsync().ConfigureAwait(false);
            _retry = null;
        }

        if (!cluster.Supervisor.IsNone || !cluster.Member.HoldsLease)
        {
            return;
        }

        var started = await ClusterSupervisor.StartLinkAsync(Context, cluster.Member, spec, Context.CancellationToken).ConfigureAwait(false);
        if (started.IsOk)
        {
            cluster.Supervisor = started.Pid;
            log("the cluster supervisor runs again");
            return;
        }

        log($"the cluster supervisor could not start again ({started}); retrying");
        Arm();
    }

    private void Arm()
    {
        var self = Self;
        _retry ??= Context.Node.TimeProvider.CreateTimer(_ => self.Send(Retry), null, cluster.Config.Ttl / 4, Timeout.InfiniteTimeSpan);
    }
}
