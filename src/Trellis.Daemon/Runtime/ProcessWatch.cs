namespace Trellis.Daemon.Runtime;

/// <summary>Records the end of a node's run: its history, the backoff's input, status file, log line and event.</summary>
internal static class ProcessWatch
{
    public static async Task WatchAsync(TreeNode node, NodeRun run, DaemonContext ctx)
    {
        var reason = await run.Exited.ConfigureAwait(false);

        // The log and the events read in the order things stopped: a supervisor's end after its children's (they end
        // before it does), and a node's after its later siblings' that have ended too (a supervisor stops its children
        // in reverse start order). A sibling still running is not waited for, so a lone crash is recorded at once.
        await Task.WhenAll(StoppedBefore(node).SelectMany(n => n.Watches())).ConfigureAwait(false);
        node.Backoff.Ended(ctx.Time);
        var words = Reasons.Describe(reason);
        node.Ended(run, words, ctx.Time.GetUtcNow());
        ctx.WriteStatus(node);
        node.Log?.Daemon(words);
        var what = node.StopRequested || reason.IsShutdown ? "stopped" : reason.IsNormal ? "exited" : "crashed";
        ctx.Events.Add(node.Name, what, words);
    }

    private static IEnumerable<TreeNode> StoppedBefore(TreeNode node)
    {
        var siblings = node.Parent?.Children.ToArray() ?? [];
        var later = siblings.SkipWhile(n => !ReferenceEquals(n, node)).Skip(1).Where(n => n.Run is { Alive: false });
        return node.Children.ToArray().Concat(later);
    }
}
