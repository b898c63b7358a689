using Trellis.OsProcess;

namespace Trellis.Daemon.Runtime;

/// <summary>The operator's commands, each run on the tree's command server (<see cref="TreeServer"/>).</summary>
internal sealed partial class ServiceTree
{
    public Task<CommandResult> StartNodeAsync(string name) => RunAsync(StartCommand(name));

    public Task<CommandResult> StopNodeAsync(string name) => RunAsync(StopCommand(name));

    public Task<CommandResult> KillNodeAsync(string name) => RunAsync(KillCommand(name));

    public Task<CommandResult> SignalNodeAsync(string name, int signal) => RunAsync(SignalCommand(name, signal));

    private Func<Task<CommandResult>> StartCommand(string name) => () => WithNode(name, StartNodeCoreAsync);

    private Func<Task<CommandResult>> StopCommand(string name) => () => WithNode(name, StopNodeCoreAsync);

    public Task<CommandResult> RestartNodeAsync(string name) => RunAsync(() => WithNode(name, async n =>
    {
        if (IsClusterService(n))
        {
            var stoppedThere = await StopNodeCoreAsync(n).ConfigureAwait(false);
            return stoppedThere.Ok ? await StartNodeCoreAsync(n).ConfigureAwait(false) : stoppedThere;
        }

        if (!n.Pid.IsNone)
        {
            var stopped = await StopNodeCoreAsync(n).ConfigureAwait(false);
            if (!stopped.Ok)
            {
                return stopped;
            }
        }

        var started = await StartNodeCoreAsync(n).ConfigureAwait(false);
        return started.Ok ? CommandResult.Done($"{n.Name} restarted{Pids(n)}") : started;
    }));

    private Func<Task<CommandResult>> KillCommand(string name) => () => WithNode(name, async n =>
    {
        if (n.Pid.IsNone)
        {
            return CommandResult.Failed($"{n.Name} is not running");
        }

        if (n.StatusDir is not null && n.OsPid == 0)
        {
            return CommandResult.Failed(Waiting(n));
        }

        if (n.StatusDir is not null)
        {
            var osPid = n.OsPid;
            var sent = await SignalProgramAsync(n, Signals.Kill, group: true).ConfigureAwait(false);
            return sent ? CommandResult.Done($"sent SIGKILL to {n.Name} (pid {osPid}) and its process group") : CommandResult.Failed($"{n.Name} had already exited");
        }

        Node.Exit(n.Pid, ExitReason.Kill);
        return CommandResult.Done($"killed {n.Name} ({n.Pid})");
    });

    private Func<Task<CommandResult>> SignalCommand(string name, int signal) => () => WithNode(name, async n =>
    {
        if (n.StatusDir is null)
        {
            return CommandResult.Failed($"{n.Name} is a {n.Config.Kind}, not an OS program: only services take signals (use kill)");
        }

        if (n.Pid.IsNone)
        {
            return CommandResult.Failed($"{n.Name} is not running");
        }

        if (n.OsPid == 0)
        {
            return CommandResult.Failed(Waiting(n));
        }

        var osPid = n.OsPid;
        var sent = await SignalProgramAsync(n, signal, group: false).ConfigureAwait(false);
        if (sent && signal is Signals.Stop or Signals.Cont && n.Run is { } run)
        {
            run.Paused = signal == Signals.Stop;
        }

        Ctx.WriteStatus(n);
        Events.Touch();
        return sent ? CommandResult.Done($"sent SIG{Signals.Name(signal)} to {n.Name} (pid {osPid})") : CommandResult.Failed($"{n.Name} had already exited");
    });

    /// <summary>A control byte from a service's FIFO, as daemontools' svc writes them.</summary>
    private void OnControlByte(TreeNode node, byte command)
    {
        // The gate lets the same byte in again once this one's command begins (see ControlGate.Taken).
        var gate = node.StatusDir?.Control;
        Func<Task<CommandResult>>? run = (char)command switch
        {
            'u' => StartCommand(node.Name),
            'd' => StopCommand(node.Name),
            'k' => KillCommand(node.Name),
            't' => SignalCommand(node.Name, Signals.Term),
            'p' => SignalCommand(node.Name, Signals.Stop),
            'c' => SignalCommand(node.Name, Signals.Cont),
            'h' => SignalCommand(node.Name, Signals.Hup),
            'a' => SignalCommand(node.Name, Signals.Alrm),
            'i' => SignalCommand(node.Name, Signals.Interrupt),
            'q' => SignalCommand(node.Name, Signals.Quit),
            '1' => SignalCommand(node.Name, Signals.Usr1),
            '2' => SignalCommand(node.Name, Signals.Usr2),
            _ => null,
        };
        if (run is null)
        {
            gate?.Taken();
            if (command is (byte)'x' or (byte)'o')
            {
                node.Log?.Daemon($"control '{(char)command}' ignored: services of a trellis daemon live as long as the daemon; use `trellis stop` or stop the daemon");
            }

            // Anything else (a newline from `echo d > control`) is ignored, as supervise does.
            return;
        }

        // A cast: the command runs on the server in arrival order, and its outcome goes to the service's log.
        var queued = new TreeServer.Command(run, gate is null ? null : gate.Taken);
        if (!GenServer.Cast(_server, new TreeServer.Control(queued, node)))
        {
            queued.Begin();
        }
    }

    private async Task<CommandResult> WithNode(string name, Func<TreeNode, Task<CommandResult>> action)
    {
        var node = Find(name);
        if (node is null)
        {
            return ReferenceEquals(name, Root.Name) || name == Root.Name
                ? CommandResult.Failed($"'{name}' is the root supervisor: stop the daemon instead (SIGTERM, or Ctrl-C)")
                : CommandResult.NoSuchNode(name);
        }

        return await action(node).ConfigureAwait(false);
    }

    private async Task<CommandResult> StartNodeCoreAsync(TreeNode n)
    {
        if (IsClusterService(n))
        {
            return await ClusterCommandAsync(n, "start").ConfigureAwait(false);
        }

        if (!n.Pid.IsNone)
        {
            return CommandResult.Done($"{n.Name} is already running{Pids(n)}");
        }

        var parent = n.Parent!;
        if (parent.Pid.IsNone)
        {
            return CommandResult.Failed($"{n.Name}'s supervisor {parent.Name} is not running: start {parent.Name} first");
        }

        n.StopRequested = false;
        n.MarkOperatorStart();
        var result = await Supervisor.RestartChildAsync(parent.Pid, n.Name).ConfigureAwait(false);
        if (result.IsError && result.Error!.IsAtom("not_found"))
        {
            // A temporary child's spec is gone once it stopped: it is started again, after its siblings.
            result = await Supervisor.StartChildAsync(parent.Pid, SpecFor(n)).ConfigureAwait(false);
        }

        n.TakeOperatorStart();
        Ctx.WriteStatus(n);
        if (result.IsError && (result.Error!.IsAtom("running") || result.Error.IsAtom("restarting")))
        {
            return CommandResult.Done($"{n.Name} is already running{Pids(n)}");
        }

        return result.IsOk
            ? CommandResult.Done($"{n.Name} started{Pids(n)}")
            : CommandResult.Failed($"{n.Name} did not start: {Describe(result)}");
    }

    private async Task<CommandResult> StopNodeCoreAsync(TreeNode n)
    {
        if (IsClusterService(n))
        {
            return await ClusterCommandAsync(n, "stop").ConfigureAwait(false);
        }

        var parent = n.Parent!;
        n.StopRequested = true;
        n.CancelStart();
        if (parent.Pid.IsNone)
        {
            Ctx.WriteStatus(n);
            return CommandResult.Done($"{n.Name} is down with its supervisor {parent.Name}");
        }

        var wasUp = !n.Pid.IsNone;
        var result = await Supervisor.TerminateChildAsync(parent.Pid, n.Name).ConfigureAwait(false);
        await Task.WhenAll(n.Watches()).ConfigureAwait(false);
        Ctx.WriteStatus(n);
        Events.Touch();
        return result.IsOk || result.Error!.IsAtom("not_found")
            ? CommandResult.Done(wasUp ? $"{n.Name} stopped" : $"{n.Name} was not running; it stays down")
            : CommandResult.Failed($"{n.Name} could not be stopped: {result}");
    }

    /// <summary>Start or stop of a cluster service, wherever it runs: through this daemon's cluster supervisor (a standby forwards to the owner).</summary>
    private async Task<CommandResult> ClusterCommandAsync(TreeNode n, string op)
    {
        if (Cluster!.Supervisor is not { IsNone: false } sup)
        {
            return CommandResult.Failed($"{n.Name} is a cluster service and this daemon's cluster supervisor is not running (is etcd reachable?)");
        }

        object? result;
        try
        {
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            result = op == "start"
                ? await Trellis.Cluster.ClusterSupervisor.RestartChildAsync(sup, n.Name, bound.Token).ConfigureAwait(false)
                : await Trellis.Cluster.ClusterSupervisor.TerminateChildAsync(sup, n.Name, bound.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is CallException or ExitException or OperationCanceledException)
        {
            return CommandResult.Failed($"{n.Name}: the cluster supervisor did not answer: {e.Message}");
        }

        Events.Touch();
        return result switch
        {
            null => CommandResult.Done(op == "start" ? $"{n.Name} started in the cluster" : $"{n.Name} stopped in the cluster; it stays down until started"),
            ExitReason r when op == "start" && r.IsAtom("running") => CommandResult.Done($"{n.Name} is already running in the cluster"),
            _ => CommandResult.Failed($"{n.Name} could not be {(op == "start" ? "started" : "stopped")}: {(result is ExitReason why ? Reasons.Describe(why) : result.ToString())}"),
        };
    }

    private static async Task<bool> SignalProgramAsync(TreeNode n, int signal, bool group)
    {
        try
        {
            return await ProgramChild.SignalAsync(n.Pid, signal, group).ConfigureAwait(false);
        }
        catch (CallException)
        {
            return false;
        }
    }

    private static string Waiting(TreeNode n) =>
        $"{n.Name} is waiting out its restart delay: no program runs yet (stop it, or restart it to start it now)";

    private static string Pids(TreeNode n) => n.OsPid != 0 ? $" (pid {n.OsPid})" : n.Pid.IsNone ? string.Empty : $" ({n.Pid})";

    private static string Describe(StartResult result) =>
        result.Error?.Detail is StartChildError e ? e.Reason.ToString() : result.Error?.ToString() ?? result.ToString();
}
