using Trellis.Daemon.Config;
using Trellis.Daemon.Logs;

namespace Trellis.Daemon.Runtime;

/// <summary>
/// One node of the daemon's tree. Whether it runs, and as which process, is the engine's: its latest
/// <see cref="NodeRun"/> (the pid its start returned and the engine's exit of that pid), from which
/// <see cref="NodeStatusRule"/> derives its status. The rest is what only the daemon knows: the configuration
/// (replaced by a reload), the operator's wish (up or down), the history (starts, restarts, the last exit), the
/// backoff, and for services the status directory and logs. Read by status, tree and the dashboard without asking any
/// supervisor, so a supervisor busy starting a child never stalls them.
/// </summary>
internal sealed class TreeNode : IDisposable
{
    private readonly Lock _lock = new();
    private readonly List<Task> _watches = [];
    private CancellationTokenSource _startCancel = new();
    private bool _operatorStart;
    private NodeRun? _run;
    private int _inStart;
    private DateTimeOffset? _startEntered;
    private bool _startFailed;
    private readonly long[] _exits = new long[ExitKind.All.Length];

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

    /// <summary>The latest run; null before the first start.</summary>
    public NodeRun? Run => Volatile.Read(ref _run);

    /// <summary>The node's Trellis process while it runs; none while it is down.</summary>
    public Pid Pid => Run is { Alive: true } run ? run.Pid : Pid.None;

    /// <summary>The program's operating-system pid (services); 0 while it is down or waiting out its delay.</summary>
    public int OsPid => Run?.OsPid ?? 0;

    /// <summary>Whether the program is paused (SIGSTOP through the control FIFO or a signal command).</summary>
    public bool Paused => Run?.Paused ?? false;

    public NodeStatus Status
    {
        get
        {
            lock (_lock)
            {
                return NodeStatusRule.Of(_run is null ? null : NodeStatusRule.RunFacts.Of(_run), _inStart > 0, StopRequested, _startFailed);
            }
        }
    }

    /// <summary>When the node entered its status.</summary>
    public DateTimeOffset? Since
    {
        get
        {
            lock (_lock)
            {
                return _run is { Alive: true } run ? run.Since : _inStart > 0 ? _startEntered : LastExitAt;
            }
        }
    }

    public int Starts { get; private set; }

    public int Restarts { get; private set; }

    public string? LastExit { get; private set; }

    public DateTimeOffset? LastExitAt { get; private set; }

    /// <summary>When a service waiting out its restart delay or backoff spawns its program; null otherwise.</summary>
    public DateTimeOffset? NextStartAt { get; set; }

    /// <summary>Whether an operator stopped it (want down).</summary>
    public bool StopRequested { get; set; }

    /// <summary>What the service uses, sampled (services only).</summary>
    public ResourceTrack Resources { get; } = new();

    /// <summary>The service's restart delay and backoff.</summary>
    public Backoff Backoff { get; } = new();

    public ServiceStatusDir? StatusDir { get; set; }

    public ServiceLog? Log { get; set; }

    /// <summary>Cancelled by a stop, to cut short a readiness wait.</summary>
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

    /// <summary>Its supervisor is inside the node's start until the scope is disposed.</summary>
    public StartScope EnterStart(DateTimeOffset now)
    {
        lock (_lock)
        {
            _inStart++;
            _startEntered = now;
        }

        return new StartScope(this);
    }

    /// <summary>A start returned a process; returns whether it was a restart (the node had run before).</summary>
    public bool Began(NodeRun run, bool operatorStart)
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

            _run = run;
            _startFailed = false;
            StopRequested = false;
            return restart;
        }
    }

    /// <summary>A start failed (no process, or one that never became ready).</summary>
    public void StartFailed(string why, DateTimeOffset now)
    {
        lock (_lock)
        {
            _startFailed = true;
            LastExit = why;
            LastExitAt = now;
        }
    }

    /// <summary>A run ended: the history keeps how.</summary>
    public void Ended(NodeRun run, string reason, DateTimeOffset now)
    {
        lock (_lock)
        {
            if (_startFailed && ReferenceEquals(run, _run))
            {
                // Its start failed (not ready in time) and said so; the kill that followed is not news.
                return;
            }

            LastExit = reason;
            LastExitAt = now;
        }
    }

    /// <summary>Counts an exit of <paramref name="kind"/> (one of <see cref="ExitKind.All"/>).</summary>
    public void CountExit(string kind) => Interlocked.Increment(ref _exits[Array.IndexOf(ExitKind.All, kind)]);

    /// <summary>Exits so far, by kind, in the order of <see cref="ExitKind.All"/>.</summary>
    public long[] Exits()
    {
        var counts = new long[_exits.Length];
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = Interlocked.Read(ref _exits[i]);
        }

        return counts;
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

    /// <summary>The extent of one start; disposing it leaves the start.</summary>
    public readonly struct StartScope(TreeNode node) : IDisposable
    {
        public void Dispose()
        {
            lock (node._lock)
            {
                node._inStart--;
            }
        }
    }
}
