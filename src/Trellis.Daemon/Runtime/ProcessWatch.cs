namespace Trellis.Daemon.Runtime;

/// <summary>Records the end of a node's run: its history, the backoff's input, status file, log line and event.</summary>
internal static class ProcessWatch
{
    public static async Task WatchAsync(TreeNode node, NodeRun run, DaemonContext ctx)
    {
        var reason = await run.Exited.ConfigureAwait(false);
        if (run.SpawnedPid != 0)
        {
            ctx.Programs?.Ended(node, run.SpawnedPid);
        }

        // The log and the events read in the order things stopped, which is the reverse of the tree's start order: a
        // node's end is recorded after those of the nodes that come after it in that order and have ended too (its
        // children, its later siblings, and its ancestors' later siblings). Only nodes after it are waited for, so
        // no two wait for each other; a node still running is not waited for, so a lone crash is recorded at once.
        await Task.WhenAll(StoppedBefore(node).SelectMany(n => n.Watches())).ConfigureAwait(false);
        node.Backoff.Ended(ctx.Time);
        var words = Reasons.Describe(reason);
        node.Ended(run, words, ctx.Time.GetUtcNow());
        node.CountExit(ExitKind.Of(reason));
        ctx.WriteStatus(node);
        node.Log?.Daemon(words);
        var what = node.StopRequested || reason.IsShutdown ? "stopped" : reason.IsNormal ? "exited" : "crashed";
        ctx.Events.Add(node.Name, what, words);
    }

    private static List<TreeNode> StoppedBefore(TreeNode node)
    {
        var before = new List<TreeNode>(node.Children.ToArray());
        for (var n = node; n.Parent is { } parent; n = parent)
        {
            before.AddRange(parent.Children.ToArray().SkipWhile(c => !ReferenceEquals(c, n)).Skip(1).Where(c => c.Run is { Alive: false }));
        }

        return before;
    }
}
