using Trellis.Daemon.Config;

namespace Trellis.Daemon.Runtime;

/// <summary>How long a service waits before its next start.</summary>
internal static class Backoff
{
    /// <summary>
    /// Nothing before a first start or an operator's start. Otherwise at least <c>restart_delay</c> between two
    /// starts, and with backoff <c>initial × factor^(n-1)</c> capped at <c>max</c> for the n-th quick restart in a
    /// row; a run that lasted <c>reset_after</c> starts the count over.
    /// </summary>
    public static TimeSpan Next(TreeNode node, ServiceConfig config, TimeProvider time, bool operatorStart)
    {
        if (node.Starts == 0 || operatorStart)
        {
            node.BackoffStep = 0;
            return TimeSpan.Zero;
        }

        var delay = node.LastStartStamp is { } last ? config.RestartDelay - time.GetElapsedTime(last) : TimeSpan.Zero;
        if (config.Backoff is { } b)
        {
            if (node.LastRunTime >= b.ResetAfter)
            {
                node.BackoffStep = 0;
            }

            node.BackoffStep++;
            var ms = b.Initial.TotalMilliseconds * Math.Pow(b.Factor, node.BackoffStep - 1);
            var backoff = TimeSpan.FromMilliseconds(Math.Min(b.Max.TotalMilliseconds, ms));
            delay = delay > backoff ? delay : backoff;
        }

        return delay > TimeSpan.Zero ? delay : TimeSpan.Zero;
    }
}
