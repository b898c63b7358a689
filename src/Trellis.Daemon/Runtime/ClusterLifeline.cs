using Trellis.Cluster;
using Trellis.OsProcess;

namespace Trellis.Daemon.Runtime;

/// <summary>
/// Cluster mode's watchdog: a small process beside the daemon (this binary's hidden <c>lifeline</c> command) that
/// holds the programs of the cluster services running here. The daemon tells it, every
/// <see cref="FeedInterval"/>, until when it may act: its fence deadline plus half the fence margin (the time a
/// fenced daemon has to stop its services gracefully), which is still half a margin before etcd can expire the lease.
/// Should the daemon be SIGKILLed (the FIFO's writer goes) or SIGSTOPped past that deadline, the watchdog SIGKILLs
/// those programs' groups, so no copy outlives its node's lease while another node starts the service.
/// </summary>
internal sealed class ClusterLifeline : IProgramWatcher, IAsyncDisposable
{
    /// <summary>The hidden command that runs the watchdog.</summary>
    public const string Command = "lifeline";

    private static readonly TimeSpan FeedInterval = TimeSpan.FromMilliseconds(200);

    private readonly Lifeline _line;
    private readonly Node _node;
    private readonly ProgramSpec _spec;
    private readonly HashSet<int> _watched = [];
    private readonly ClusterNode _member;
    private readonly TimeSpan _grace;
    private readonly Func<TreeNode, bool> _isClusterService;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _feeding;
    private readonly Action<string> _log;

    private Pid _watchdog;

    private ClusterLifeline(Lifeline line, Node node, ProgramSpec spec, Pid watchdog, ClusterNode member, TimeSpan grace, Func<TreeNode, bool> isClusterService, Action<string> log)
    {
        _line = line;
        _node = node;
        _spec = spec;
        _watchdog = watchdog;
        _member = member;
        _grace = grace;
        _isClusterService = isClusterService;
        _log = log;
        _line.ActFor(member.UntilFence + grace);
        _feeding = FeedAsync(_stop.Token);
    }

    /// <summary>Creates the FIFO in <paramref name="dir"/> and starts the watchdog on it; an error when it cannot (cluster mode then does not start).</summary>
    public static async Task<(ClusterLifeline? Lifeline, string? Error)> StartAsync(
        Node node, ClusterMode cluster, string dir, Func<TreeNode, bool> isClusterService, Action<string> log)
    {
        var line = Lifeline.Create(Path.Combine(dir, "lifeline"), out var error);
        if (line is null)
        {
            return (null, error);
        }

        var self = Environment.ProcessPath ?? "trellis";
        var viaHost = Path.GetFileNameWithoutExtension(self) == "dotnet";
        var spec = new ProgramSpec
        {
            FileName = self,
            Arguments = viaHost ? [typeof(ClusterLifeline).Assembly.Location, Command] : [Command],
            StandardInput = line.Path,
            StandardError = OutputTarget.Lines(log),
            StandardOutput = OutputTarget.Lines(log),

            // It must outlive the daemon when the daemon is killed: that is its whole point.
            KillGroupOnExit = false,
        };
        var started = await ProgramChild.StartAsync(node, spec).ConfigureAwait(false);
        if (!started.IsOk)
        {
            line.Dispose();
            return (null, $"the lifeline watchdog did not start: {started}");
        }

        return (new ClusterLifeline(line, node, spec, started.Pid, cluster.Member, cluster.Config.EffectiveMargin / 2, isClusterService, log), null);
    }

    public void Spawned(TreeNode node, int osPid)
    {
        if (!_isClusterService(node))
        {
            return;
        }

        lock (_watched)
        {
            _watched.Add(osPid);
        }

        if (!_line.Watch(osPid))
        {
            _log($"the lifeline could not take pid {osPid} of {node.Name}");
        }
    }

    public void Ended(TreeNode node, int osPid)
    {
        if (!_isClusterService(node))
        {
            return;
        }

        lock (_watched)
        {
            _watched.Remove(osPid);
        }

        _line.Unwatch(osPid);
    }

    /// <summary>A clean stop, after the cluster services here stopped: the watchdog is released and exits.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _feeding.ConfigureAwait(false);
        var exited = Node.WaitForExitAsync(_watchdog);
        _line.Release();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await exited.WaitAsync(bound.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _log("the lifeline watchdog did not exit on release; it is killed");
            Node.Exit(_watchdog, ExitReason.Kill);
            await exited.ConfigureAwait(false);
        }

        _line.Dispose();
        _stop.Dispose();
    }

    private async Task FeedAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(FeedInterval);
        var down = false;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                if (!_watchdog.IsAlive)
                {
                    down = !await RestartAsync(down).ConfigureAwait(false);
                }

                if (!_line.ActFor(_member.UntilFence + _grace))
                {
                    _log("the lifeline's FIFO is full or closed: its watchdog is stuck or gone");
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// The watchdog exited (killed, or it failed): a new one takes the FIFO, is told the deadline, and watches every
    /// program the old one did. True when it runs; a failure is said once per outage and tried again at the next tick.
    /// </summary>
    private async Task<bool> RestartAsync(bool saidSo)
    {
        var started = await ProgramChild.StartAsync(_node, _spec).ConfigureAwait(false);
        if (!started.IsOk)
        {
            if (!saidSo)
            {
                _log($"the lifeline watchdog exited and did not start again ({started}); the cluster services here are not covered should this daemon die");
            }

            return false;
        }

        _watchdog = started.Pid;
        _line.ActFor(_member.UntilFence + _grace);
        int[] watched;
        lock (_watched)
        {
            watched = [.. _watched];
        }

        foreach (var pid in watched)
        {
            _line.Watch(pid);
        }

        _log($"the lifeline watchdog exited; a new one watches the {watched.Length} cluster program(s) here");
        return true;
    }
}
