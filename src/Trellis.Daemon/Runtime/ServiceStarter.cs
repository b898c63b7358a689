using Trellis.Daemon.Config;
using Trellis.OsProcess;

namespace Trellis.Daemon.Runtime;

/// <summary>
/// Starts one service for its supervisor: waits out the restart delay or backoff, spawns the program with its output
/// going to the service's logs, and returns only once it is ready, so the next sibling starts after it. A readiness
/// timeout is a failed start. The delay and the readiness wait end early when an operator stops the service.
/// </summary>
internal static class ServiceStarter
{
    public static async ValueTask<StartResult> StartAsync(ProcessContext supervisor, TreeNode node, DaemonContext ctx, bool operatorStart)
    {
        // The last run's end is recorded first, so the backoff sees how long it lasted.
        await Task.WhenAll(node.Watches()).ConfigureAwait(false);
        var config = (ServiceConfig)node.Config;
        var cancel = node.StartCancellation;
        var delay = Backoff.Next(node, config, ctx.Time, operatorStart);
        if (delay > TimeSpan.Zero)
        {
            node.SetStatus(NodeStatus.Backoff, ctx.Time.GetUtcNow());
            ctx.Events.Add(node.Name, "backoff", $"next start in {Units.Duration(delay)}");
            try
            {
                await Task.Delay(delay, ctx.Time, cancel).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                node.SetStatus(NodeStatus.Stopped, ctx.Time.GetUtcNow());
                return StartResult.Ignore;
            }
        }

        var log = node.Log!;
        var spec = new ProgramSpec
        {
            FileName = config.Command[0],
            Arguments = config.Command.Skip(1).ToArray(),
            Environment = config.Environment.ToDictionary(kv => kv.Key, kv => (string?)kv.Value),
            WorkingDirectory = config.WorkingDirectory,
            User = config.User,
            Group = config.Group,
            StopSignal = config.StopSignal,
            StandardOutput = OutputTarget.Lines(log.Stdout),
            StandardError = OutputTarget.Lines(log.Stderr),
        };
        using var readiness = config.Ready is { } r ? Readiness.Prepare(r, node.StatusDir!.Path, ref spec) : null;
        node.SetStatus(NodeStatus.Starting, ctx.Time.GetUtcNow());
        var start = await ProgramChild.StartLinkAsync(supervisor, spec, ctx.Time).ConfigureAwait(false);
        node.LastStartStamp = ctx.Time.GetTimestamp();
        if (!start.IsOk)
        {
            var why = start.Error?.Detail is SpawnFailure f ? f.Message : start.ToString();
            node.SetStatus(NodeStatus.Failed, ctx.Time.GetUtcNow());
            log.Daemon("start failed: " + why);
            ctx.Events.Add(node.Name, "start_failed", why);
            return start;
        }

        var osPid = (int)start.Info!;

        // Before anything else, so that a daemon killed from here on leaves a record the next one finds.
        if (!ProgramRecord.Write(node.StatusDir!.Path, osPid))
        {
            log.Daemon($"could not record pid {osPid} in {node.StatusDir.Path}/{ProgramRecord.FileName}");
        }
        var restart = node.OnStarted(start.Pid, osPid, readiness is null ? NodeStatus.Running : NodeStatus.Starting, ctx.Time.GetUtcNow(), operatorStart);
        node.StopRequested = false;
        var exited = Node.WaitForExitAsync(start.Pid);
        node.Own(ProcessWatch.WatchAsync(node, start.Pid, exited, ctx));
        ctx.WriteStatus(node);
        log.Daemon($"started pid {osPid}: {spec.CommandText()}");
        ctx.Events.Add(node.Name, restart ? "restarting" : "started", $"pid {osPid}");
        if (readiness is null)
        {
            return start;
        }

        var outcome = await readiness.WaitAsync(ctx.Node, spec, exited, ctx.Time, cancel).ConfigureAwait(false);
        switch (outcome)
        {
            case ReadyOutcome.Ready:
                node.SetStatus(NodeStatus.Running, ctx.Time.GetUtcNow());
                ctx.Events.Add(node.Name, "ready", $"pid {osPid}");
                return start;
            case ReadyOutcome.Exited:
                var reason = await exited.ConfigureAwait(false);
                return StartResult.Fail(ExitReason.Of($"{node.Name} {Reasons.Describe(reason)} before it was ready"));
            default:
                // Nothing of the program may outlive a start that failed: killing its process kills its group.
                Node.Exit(start.Pid, ExitReason.Kill);
                await exited.ConfigureAwait(false);
                if (outcome == ReadyOutcome.Cancelled)
                {
                    return StartResult.Ignore;
                }

                var message = $"{node.Name} was not ready within {Units.Duration(config.Ready!.Timeout)}";
                log.Daemon(message);
                ctx.Events.Add(node.Name, "start_failed", message);
                return StartResult.Fail(ExitReason.Of(message));
        }
    }
}
