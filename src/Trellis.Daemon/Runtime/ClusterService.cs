namespace Trellis.Daemon.Runtime;

/// <summary>
/// A service with <c>placement: cluster</c> as the cluster supervisor's child on this node: its start is the
/// service's start here (status directory, logs, cgroup, readiness, as for any service), it exits with the program's
/// reason, and stopped by its agent it stops the program as a supervisor would (the stop signal, then SIGKILL to the
/// group after the shutdown time).
/// </summary>
/// <param name="node">The service.</param>
/// <param name="ctx">What starters need.</param>
/// <param name="shutdown">How long the program has to stop before SIGKILL (zero: SIGKILL at once).</param>
internal sealed class ClusterService(TreeNode node, DaemonContext ctx, TimeSpan shutdown) : GenServer
{
    private Pid _program;

    protected override async ValueTask<InitResult> InitAsync(object? argument)
    {
        Context.TrapExit = true;
        node.StopRequested = false;
        var start = await ServiceStarter.StartAsync(Context, node, ctx, operatorStart: false).ConfigureAwait(false);
        if (!start.IsOk)
        {
            return InitResult.Stop(start.Error ?? ExitReason.Of(new Atom("not_started")));
        }

        _program = start.Pid;
        return InitResult.Ok();
    }

    protected override ServerResult HandleInfo(object message)
    {
        if (message is ExitMessage exit && exit.From == _program)
        {
            _program = Pid.None;
            return Stop(exit.Reason);
        }

        return NoReply();
    }

    protected override async ValueTask TerminateAsync(ExitReason reason)
    {
        if (_program.IsNone || !_program.IsAlive)
        {
            return;
        }

        node.StopRequested = true;
        var exited = Node.WaitForExitAsync(_program);
        if (shutdown > TimeSpan.Zero)
        {
            Node.Exit(_program, ExitReason.Shutdown);
            using var wait = new CancellationTokenSource(shutdown);
            try
            {
                await exited.WaitAsync(wait.Token).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException)
            {
                // It did not stop in its time: killed, with its group.
            }
        }

        Node.Exit(_program, ExitReason.Kill);
        await exited.ConfigureAwait(false);
    }
}
