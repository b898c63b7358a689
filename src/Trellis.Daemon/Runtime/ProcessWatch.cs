namespace Trellis.Daemon.Runtime;

/// <summary>Records the end of a node's process: its state, last exit, status file, log line and event.</summary>
internal static class ProcessWatch
{
    public static async Task WatchAsync(TreeNode node, Pid pid, Task<ExitReason> exited, DaemonContext ctx)
    {
        var reason = await exited.ConfigureAwait(false);
        if (node.LastStartStamp is { } started)
        {
            node.LastRunTime = ctx.Time.GetElapsedTime(started);
        }

        var status = node.StopRequested || reason.IsShutdown ? NodeStatus.Stopped
            : reason.IsNormal ? NodeStatus.Exited
            : NodeStatus.Crashed;
        var words = Reasons.Describe(reason);
        node.OnExited(pid, status, words, ctx.Time.GetUtcNow());
        ctx.WriteStatus(node);
        node.Log?.Daemon(words);
        ctx.Events.Add(node.Name, status switch { NodeStatus.Crashed => "crashed", NodeStatus.Stopped => "stopped", _ => "exited" }, words);
    }
}
