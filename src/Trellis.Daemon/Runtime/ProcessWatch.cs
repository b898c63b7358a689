namespace Trellis.Daemon.Runtime;

/// <summary>Records the end of a node's run: its history, the backoff's input, status file, log line and event.</summary>
internal static class ProcessWatch
{
    public static async Task WatchAsync(TreeNode node, NodeRun run, DaemonContext ctx)
    {
        var reason = await run.Exited.ConfigureAwait(false);
        node.Backoff.Ended(ctx.Time);
        var words = Reasons.Describe(reason);
        node.Ended(run, words, ctx.Time.GetUtcNow());
        ctx.WriteStatus(node);
        node.Log?.Daemon(words);
        var what = node.StopRequested || reason.IsShutdown ? "stopped" : reason.IsNormal ? "exited" : "crashed";
        ctx.Events.Add(node.Name, what, words);
    }
}
