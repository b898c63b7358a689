using Trellis.Daemon.Config;
using Trellis.Daemon.Logs;

namespace Trellis.Daemon.Runtime;

/// <summary>
/// What the daemon knows about one node of the tree, kept outside the node's processes so it survives their restarts:
/// its configuration (replaced by a reload), its state, pids, start and restart counts, last exit, and for services
/// the status directory, the logs and the backoff. Read by status, tree and the dashboard without asking any
/// supervisor, so a supervisor busy starting a child never stalls them.
/// </summary>
internal sealed class TreeNode : IDisposable
{
    private readonly Lock _lock = new();
    private readonly List<Task> _watches = [];
    private CancellationTokenSource _startCancel = new();
    private bool _operatorStart;

    public TreeNode(NodeConfig config, TreeNode? parent)
    {
        Config = config;
        Parent = parent;
    }

    public string Name => Config.Name;

    public NodeConfig Config { get; set; }

    public TreeNode? Parent { get; set; }

    /// <summary>Children in start order (supervisors only).</summary>
    public List<TreeNode> Children { get; } = [];

    public NodeStatus Status { get; private set; } = NodeStatus.Pending;

    /// <summary>The node's Trellis process; none while it is down.</summary>
    public Pid Pid { get; private set; } = Pid.None;

    /// <summary>The program's operating-system pid (services); 0 while it is down.</summary>
    public int OsPid { get; private set; }

    public DateTimeOffset? Since { get; private set; }

    public int Starts { get; private set; }

    public int Restarts { get; private set; }

    public string? LastExit { get; private set; }

    public DateTimeOffset? LastExitAt { get; private set; }

    /// <summary>Whether an operator stopped it (want down).</summary>
    public bool StopRequested { get; set; }

    /// <summary>Whether the program is paused (SIGSTOP through the control FIFO).</summary>
    public bool Paused { get; set; }

    /// <summary>Backoff step: how many quick restarts in a row.</summary>
    public int BackoffStep { get; set; }

    /// <summary>When the program last started, in timestamp units of the daemon's clock.</summary>
    public long? LastStartStamp { get; set; }

    /// <summary>The uptime of the run that ended last.</summary>
    public TimeSpan LastRunTime { get; set; }

    public ServiceStatusDir? StatusDir { get; set; }

    public ServiceLog? Log { get; set; }

    /// <summary>Cancelled by a stop, to cut short a restart delay or a readiness wait.</summary>
    public CancellationToken StartCancellation
    {
        get
        {
            lock (_lock)
            {
                return _startCancel.Token;
            }
        }
    }

    /// <summary>Marks the next start as an operator's: no restart delay or backoff before it.</summary>
    public void MarkOperatorStart()
    {
        lock (_lock)
        {
            _operatorStart = true;
        }
    }

    public bool TakeOperatorStart()
    {
        lock (_lock)
        {
            var v = _operatorStart;
            _operatorStart = false;
            return v;
        }
    }

    public void CancelStart()
    {
        CancellationTokenSource old;
        lock (_lock)
        {
            old = _startCancel;
            _startCancel = new CancellationTokenSource();
        }

        old.Cancel();
        old.Dispose();
    }

    public void SetStatus(NodeStatus status, DateTimeOffset now)
    {
        lock (_lock)
        {
            Status = status;
            Since = now;
        }
    }

    /// <summary>A start succeeded; returns whether it was a restart (the node had run before).</summary>
    public bool OnStarted(Pid pid, int osPid, NodeStatus status, DateTimeOffset now, bool operatorStart = false)
    {
        lock (_lock)
        {
            // A start an operator asked for (start, restart, reload) is not a restart the supervisor made.
            var restart = Starts > 0 && !StopRequested && !operatorStart;
            Starts++;
            if (restart)
            {
                Restarts++;
            }

            Pid = pid;
            OsPid = osPid;
            Status = status;
            Since = now;
            Paused = false;
            return restart;
        }
    }

    public void OnExited(Pid pid, NodeStatus status, string reason, DateTimeOffset now)
    {
        lock (_lock)
        {
            LastExit = reason;
            LastExitAt = now;
            if (Pid != pid)
            {
                // A newer run has started already: the old run's end is history, not the current state.
                return;
            }

            Pid = Pid.None;
            OsPid = 0;
            Status = status;
            Since = now;
            Paused = false;
        }
    }

    /// <summary>Keeps a task that watches this node's process, so the daemon can await it at exit.</summary>
    public void Own(Task watch)
    {
        lock (_lock)
        {
            _watches.RemoveAll(t => t.IsCompleted);
            _watches.Add(watch);
        }
    }

    public Task[] Watches()
    {
        lock (_lock)
        {
            return [.. _watches];
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _startCancel.Dispose();
        }
    }

    /// <summary>This node and every node below it, depth first.</summary>
    public IEnumerable<TreeNode> SelfAndDescendants()
    {
        yield return this;
        foreach (var c in Children)
        {
            foreach (var d in c.SelfAndDescendants())
            {
                yield return d;
            }
        }
    }
}
