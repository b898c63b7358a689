namespace Trellis.Daemon.Runtime;

/// <summary>
/// One run of a node as the engine gave it: the pid its start returned and the engine's exit of that pid, which decide
/// whether the run is alive and how it ended. A service's run also learns its program's OS pid when the program is
/// spawned (at once, or when its restart delay is up), and whether the program said it is ready.
/// </summary>
internal sealed class NodeRun
{
    private int _osPid;
    private bool _ready;
    private bool _paused;
    private long _sinceTicks;
    private volatile bool _spawned;

    public NodeRun(Pid pid, DateTimeOffset startedAt, bool spawned)
    {
        Pid = pid;
        Exited = Node.WaitForExitAsync(pid);
        _sinceTicks = startedAt.UtcTicks;
        _spawned = spawned;
        _ready = spawned;
    }

    /// <summary>The node's Trellis process.</summary>
    public Pid Pid { get; }

    /// <summary>Completes with the process's exit reason when it ends, for any reason.</summary>
    public Task<ExitReason> Exited { get; }

    /// <summary>Whether the process is still running.</summary>
    public bool Alive => !Exited.IsCompleted;

    /// <summary>Whether the program is spawned; a service waiting out its restart delay is not yet.</summary>
    public bool Spawned => _spawned;

    /// <summary>The program's operating-system pid while the run is alive and spawned; 0 otherwise.</summary>
    public int OsPid => Alive ? Volatile.Read(ref _osPid) : 0;

    /// <summary>The program's OS pid once spawned, also after the run ended; 0 before its spawn.</summary>
    public int SpawnedPid => Volatile.Read(ref _osPid);

    /// <summary>Whether the run is ready: spawned, and ready when it declares readiness.</summary>
    public bool Ready => Volatile.Read(ref _ready);

    /// <summary>Whether an operator paused the program (SIGSTOP), until SIGCONT.</summary>
    public bool Paused
    {
        get => Volatile.Read(ref _paused) && Alive;
        set => Volatile.Write(ref _paused, value);
    }

    /// <summary>When the run entered its current phase (started, spawned, ready), in UTC; read and written whole.</summary>
    public DateTimeOffset Since => new(Volatile.Read(ref _sinceTicks), TimeSpan.Zero);

    /// <summary>The program is spawned as <paramref name="osPid"/>; <paramref name="ready"/> when it declares no readiness.</summary>
    public void OnSpawned(int osPid, bool ready, DateTimeOffset now)
    {
        Volatile.Write(ref _osPid, osPid);
        _spawned = true;
        Volatile.Write(ref _sinceTicks, now.UtcTicks);
        Volatile.Write(ref _ready, ready);
    }

    /// <summary>The program said it is ready.</summary>
    public void OnReady(DateTimeOffset now)
    {
        Volatile.Write(ref _sinceTicks, now.UtcTicks);
        Volatile.Write(ref _ready, true);
    }
}
