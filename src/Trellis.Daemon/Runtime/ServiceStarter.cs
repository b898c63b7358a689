using Trellis.Daemon.Config;
using Trellis.OsProcess;

namespace Trellis.Daemon.Runtime;

/// <summary>
/// Starts one service for its supervisor. A first start, or one an operator asked for, spawns the program at once and
/// returns only once it is ready, so the next sibling starts after it; a readiness timeout is a failed start. A
/// restart the supervisor makes after a crash waits out the restart delay or backoff without holding up the
/// supervisor: its start answers at once with a program child that spawns when the delay is up
/// (<see cref="ProgramSpec.StartDelay"/>), and what follows the spawn (the pid record, readiness) is watched by a task
/// the node owns. A readiness wait ends early when an operator stops the service.
/// </summary>
internal static class ServiceStarter
{
    public static async ValueTask<StartResult> StartAsync(ProcessContext supervisor, TreeNode node, DaemonContext ctx, bool operatorStart)
    {
        // The last run's end is recorded first, so the backoff sees how long it lasted.
        await Task.WhenAll(node.Watches()).ConfigureAwait(false);
        using var starting = node.EnterStart(ctx.Time.GetUtcNow());
        var config = (ServiceConfig)node.Config;
        var delay = node.Backoff.Next(config, ctx.Time, firstStart: node.Starts == 0, operatorStart);
        var spec = ProgramFor(config, node, delay) with { ControlGroup = await ctx.Cgroups.ForAsync(node, config).ConfigureAwait(false) };
        var readiness = config.Ready is { } r ? Readiness.Prepare(r, node.StatusDir!.Path, ref spec) : null;
        var start = await ProgramChild.StartLinkAsync(supervisor, spec, ctx.Time).ConfigureAwait(false);
        if (!start.IsOk)
        {
            readiness?.Dispose();
            Failed(node, start.Error?.Detail is SpawnFailure f ? f.Message : start.ToString(), ctx);
            return start;
        }

        var run = new NodeRun(start.Pid, ctx.Time.GetUtcNow(), spawned: delay <= TimeSpan.Zero);
        var restart = node.Began(run, operatorStart);
        node.Own(ProcessWatch.WatchAsync(node, run, ctx));
        if (delay > TimeSpan.Zero)
        {
            node.NextStartAt = ctx.Time.GetUtcNow() + delay;
            ctx.WriteStatus(node);
            ctx.Events.Add(node.Name, "backoff", $"next start in {Units.Duration(delay)}");
            node.Own(AfterDelayAsync(node, run, spec, readiness, restart, ctx));
            return start;
        }

        Spawned(node, run, (int)start.Info!, spec, readiness is null, restart, ctx);
        if (readiness is null)
        {
            return start;
        }

        using (readiness)
        {
            var outcome = await readiness.WaitAsync(ctx.Node, spec, run.Exited, ctx.Time, node.StartCancellation).ConfigureAwait(false);
            switch (outcome)
            {
                case ReadyOutcome.Ready:
                    Ready(node, run, ctx);
                    return start;
                case ReadyOutcome.Exited:
                    var reason = await run.Exited.ConfigureAwait(false);
                    return StartResult.Fail(ExitReason.Of($"{node.Name} {Reasons.Describe(reason)} before it was ready"));
                default:
                    // Nothing of the program may outlive a start that failed: killing its process kills its group.
                    var notReady = NotReady(node, config);
                    if (outcome == ReadyOutcome.TimedOut)
                    {
                        Failed(node, notReady, ctx);
                    }

                    Node.Exit(run.Pid, ExitReason.Kill);
                    await run.Exited.ConfigureAwait(false);
                    return outcome == ReadyOutcome.Cancelled ? StartResult.Ignore : StartResult.Fail(ExitReason.Of(notReady));
            }
        }
    }

    /// <summary>
    /// A delayed restart, after its start answered: records the spawn when the delay is up, then waits for readiness.
    /// Not ready in time ends the run (a crash for the supervisor, which restarts it after the next backoff).
    /// </summary>
    private static async Task AfterDelayAsync(TreeNode node, NodeRun run, ProgramSpec spec, Readiness? readiness, bool restart, DaemonContext ctx)
    {
        using (readiness)
        {
            int osPid;
            try
            {
                osPid = await ProgramChild.WaitSpawnedAsync(run.Pid).ConfigureAwait(false);
            }
            catch (CallException ex)
            {
                // Stopped in its delay (the watch records that), or its spawn failed when the delay was up.
                if (ex.Reason.Detail is SpawnFailure f)
                {
                    Failed(node, f.Message, ctx);
                }

                return;
            }

            Spawned(node, run, osPid, spec, readiness is null, restart, ctx);
            if (readiness is null)
            {
                return;
            }

            var outcome = await readiness.WaitAsync(ctx.Node, spec, run.Exited, ctx.Time, node.StartCancellation).ConfigureAwait(false);
            if (outcome == ReadyOutcome.Ready)
            {
                Ready(node, run, ctx);
            }
            else if (outcome == ReadyOutcome.TimedOut)
            {
                Failed(node, NotReady(node, (ServiceConfig)node.Config), ctx);
                Node.Exit(run.Pid, ExitReason.Kill);
            }
        }
    }

    private static ProgramSpec ProgramFor(ServiceConfig config, TreeNode node, TimeSpan delay) => new()
    {
        FileName = config.Command[0],
        Arguments = config.Command.Skip(1).ToArray(),
        Environment = config.Environment.ToDictionary(kv => kv.Key, kv => (string?)kv.Value),
        WorkingDirectory = config.WorkingDirectory,
        User = config.User,
        Group = config.Group,
        StopSignal = config.StopSignal,
        StandardOutput = OutputTarget.Lines(node.Log!.Stdout),
        StandardError = OutputTarget.Lines(node.Log!.Stderr),
        StartDelay = delay,
    };

    private static void Spawned(TreeNode node, NodeRun run, int osPid, ProgramSpec spec, bool ready, bool restart, DaemonContext ctx)
    {
        // Before anything else, so that a daemon killed from here on leaves a record the next one finds (and, for a
        // cluster service, so that its lifeline kills it should this daemon die or freeze).
        ctx.Programs?.Spawned(node, osPid);
        if (!ProgramRecord.Write(node.StatusDir!.Path, osPid))
        {
            node.Log!.Daemon($"could not record pid {osPid} in {node.StatusDir.Path}/{ProgramRecord.FileName}");
        }

        node.NextStartAt = null;
        node.Backoff.Started(ctx.Time.GetTimestamp());
        run.OnSpawned(osPid, ready, ctx.Time.GetUtcNow());
        ctx.WriteStatus(node);
        node.Log!.Daemon($"started pid {osPid}: {spec.CommandText()}");
        ctx.Events.Add(node.Name, restart ? "restarting" : "started", $"pid {osPid}");
    }

    private static void Ready(TreeNode node, NodeRun run, DaemonContext ctx)
    {
        run.OnReady(ctx.Time.GetUtcNow());
        ctx.Events.Add(node.Name, "ready", $"pid {run.OsPid}");
    }

    private static void Failed(TreeNode node, string why, DaemonContext ctx)
    {
        node.StartFailed(why, ctx.Time.GetUtcNow());
        node.Log!.Daemon("start failed: " + why);
        ctx.Events.Add(node.Name, "start_failed", why);
    }

    private static string NotReady(TreeNode node, ServiceConfig config) =>
        $"{node.Name} was not ready within {Units.Duration(config.Ready!.Timeout)}";
}
