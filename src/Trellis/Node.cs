using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Trellis.Internal;

namespace Trellis;

/// <summary>
/// A runtime for processes, the counterpart of an Erlang node: it spawns processes, keeps the table of
/// registered names, and holds the clock, logging and metrics they use.
/// </summary>
public sealed class Node : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, LocalProcess> _names = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<LocalProcess, byte> _roots = new();
    private readonly ConcurrentDictionary<string, RegistryTable> _registries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<LocalProcess, byte>? _all;
    private long _nextId;
    private long _alive;
    private int _disposed;

    /// <summary>Creates a node.</summary>
    /// <param name="options">Settings; null for the defaults.</param>
    public Node(NodeOptions? options = null)
    {
        options ??= new NodeOptions();
        ArgumentException.ThrowIfNullOrEmpty(options.Name, "options.Name");
        Name = options.Name;
        TimeProvider = options.TimeProvider ?? throw new ArgumentException("options.TimeProvider must not be null", nameof(options));
        LoggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        Log = LoggerFactory.CreateLogger("Trellis");
        Metrics = new TrellisMetrics(options.MeterFactory, Name, () => ProcessCount, RegisteredMailboxes);
        _all = options.TrackProcesses ? new ConcurrentDictionary<LocalProcess, byte>() : null;
    }

    /// <summary>Whether the node keeps a table of every live process (<see cref="NodeOptions.TrackProcesses"/>).</summary>
    public bool TracksProcesses => _all is not null;

    /// <summary>The names of the registries started on this node (<see cref="Registry"/>).</summary>
    public IReadOnlyCollection<string> RegistryNames => _registries.Keys.ToArray();

    /// <summary>
    /// A snapshot of the node's live processes, in pid order, for observers: every one when the node tracks processes
    /// (<see cref="NodeOptions.TrackProcesses"/>), else those started from outside any process and everything linked
    /// to them, transitively.
    /// </summary>
    /// <returns>What each process is doing.</returns>
    public IReadOnlyList<ProcessInfo> GetProcesses()
    {
        var found = new List<ProcessInfo>();
        if (_all is not null)
        {
            foreach (var p in _all.Keys)
            {
                if (GetProcessInfo(p.Self) is { } info)
                {
                    found.Add(info);
                }
            }
        }
        else
        {
            var seen = new HashSet<long>();
            var next = new Queue<Pid>(_roots.Keys.Select(r => r.Self));
            while (next.TryDequeue(out var pid))
            {
                if (!seen.Add(pid.Id) || GetProcessInfo(pid) is not { } info)
                {
                    continue;
                }

                found.Add(info);
                foreach (var link in info.Links)
                {
                    next.Enqueue(link);
                }
            }
        }

        found.Sort((a, b) => a.Pid.Id.CompareTo(b.Pid.Id));
        return found;
    }

    /// <summary>The live process numbered <paramref name="id"/> (as in <c>&lt;0.ID.0&gt;</c>) among <see cref="GetProcesses"/>; none when there is no such process.</summary>
    /// <param name="id">The process number.</param>
    /// <returns>Its pid, or <see cref="Pid.None"/>.</returns>
    public Pid FindProcess(long id) => GetProcesses().FirstOrDefault(p => p.Pid.Id == id)?.Pid ?? Pid.None;

    internal void Track(LocalProcess process) => _all?.TryAdd(process, 0);

    /// <summary>The node's name.</summary>
    public string Name { get; }

    /// <summary>The clock every timeout and restart window on this node uses.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>How many processes are alive on this node.</summary>
    public long ProcessCount => Interlocked.Read(ref _alive);

    internal ILoggerFactory LoggerFactory { get; }

    internal ILogger Log { get; }

    internal TrellisMetrics Metrics { get; }

    /// <summary>The node's distribution, once started (Trellis.Distribution); null while the node is alone.</summary>
    internal IRemoteRouter? Router { get; set; }

    /// <summary>
    /// Starts a process that no other process owns. It is stopped when the node is disposed.
    /// Inside a process, use <see cref="ProcessContext.Spawn"/> or <see cref="ProcessContext.SpawnLink"/> instead.
    /// </summary>
    /// <param name="body">The process's code; when it returns the process exits <c>normal</c>.</param>
    /// <returns>The new process.</returns>
    public Pid Spawn(Func<ProcessContext, ValueTask> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var process = CreateRoot(body);
        process.Start();
        return process.Self;
    }

    internal LocalProcess CreateRoot(Func<ProcessContext, ValueTask> body)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var process = new LocalProcess(this, body) { IsRoot = true };
        _roots.TryAdd(process, 0);
        return process;
    }

    /// <summary>Sends an exit signal from outside any process (Erlang's <c>exit(Pid, Reason)</c>); see <see cref="ProcessContext.Exit"/>.</summary>
    /// <param name="target">The process to signal.</param>
    /// <param name="reason">The reason; <c>kill</c> is untrappable.</param>
    public static void Exit(Pid target, ExitReason reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        LocalProcess.SendExitSignal(Pid.None, target, reason);
    }

    /// <summary>
    /// Waits until <paramref name="target"/> has exited and returns its exit reason, also when it had already exited
    /// (<c>noproc</c> only for <see cref="Pid.None"/>). Unlike a monitor's DOWN, a dead target's real reason is known here.
    /// </summary>
    /// <param name="target">The process.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The exit reason.</returns>
    public static Task<ExitReason> WaitForExitAsync(Pid target, CancellationToken cancellationToken = default)
    {
        if (target.Remote is { } remote)
        {
            var remoteWatcher = new TaskDownWatcher();
            remote.Router.Monitor(new MonitorRef(remote, remoteWatcher));
            return cancellationToken.CanBeCanceled ? remoteWatcher.Task.WaitAsync(cancellationToken) : remoteWatcher.Task;
        }

        if (target.Process is not { } process)
        {
            return Task.FromResult(ExitReason.NoProc);
        }

        if (process.ExitReasonOrNull is { } reason)
        {
            return Task.FromResult(reason);
        }

        var watcher = new TaskDownWatcher();
        var monitor = new MonitorRef(process, watcher);
        process.AddMonitorOrFail(monitor);
        return cancellationToken.CanBeCanceled ? watcher.Task.WaitAsync(cancellationToken) : watcher.Task;
    }

    /// <summary>Registers <paramref name="name"/> for <paramref name="pid"/>. The name is released when the process exits.</summary>
    /// <param name="name">The name.</param>
    /// <param name="pid">A live process without a name.</param>
    /// <returns>False if the name is taken, the process is dead, or it already has a name.</returns>
    public bool TryRegister(string name, Pid pid)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (pid.Process is not { } process)
        {
            return false;
        }

        lock (process.Sync)
        {
            if (!process.IsAlive || process.RegisteredName is not null || !_names.TryAdd(name, process))
            {
                return false;
            }

            process.RegisteredName = name;
            return true;
        }
    }

    /// <summary>Registers a name, as <see cref="TryRegister"/>, failing loudly.</summary>
    /// <param name="name">The name.</param>
    /// <param name="pid">A live process without a name.</param>
    /// <exception cref="ArgumentException">The name is taken, the process is dead, or it already has a name.</exception>
    public void Register(string name, Pid pid)
    {
        if (!TryRegister(name, pid))
        {
            var holder = WhereIs(name);
            throw new ArgumentException(
                !holder.IsNone ? $"the name '{name}' is already registered to {holder}"
                : !pid.IsAlive ? $"cannot register '{name}': {pid} is not alive"
                : $"cannot register '{name}': {pid} already has a name",
                nameof(name));
        }
    }

    /// <summary>The process registered under <paramref name="name"/>, or <see cref="Pid.None"/>.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The pid, or <see cref="Pid.None"/>.</returns>
    public Pid WhereIs(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _names.TryGetValue(name, out var p) && p.IsAlive ? p.Self : Pid.None;
    }

    /// <summary>Removes a name.</summary>
    /// <param name="name">The name.</param>
    /// <returns>False if the name was not registered.</returns>
    public bool Unregister(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!_names.TryGetValue(name, out var process))
        {
            return false;
        }

        lock (process.Sync)
        {
            if (process.RegisteredName != name || !_names.TryRemove(new KeyValuePair<string, LocalProcess>(name, process)))
            {
                return false;
            }

            process.RegisteredName = null;
            return true;
        }
    }

    /// <summary>The names registered now, in no particular order.</summary>
    public IReadOnlyCollection<string> RegisteredNames => _names.Keys.ToArray();

    private IEnumerable<(string Name, int Mailbox)> RegisteredMailboxes()
    {
        foreach (var (name, process) in _names)
        {
            if (process.IsAlive)
            {
                yield return (name, process.MessageQueueLength);
            }
        }
    }

    /// <summary>A snapshot of what a process is doing, for introspection; null if it is not alive.</summary>
    /// <param name="pid">The process.</param>
    /// <returns>The information, or null.</returns>
    public static ProcessInfo? GetProcessInfo(Pid pid)
    {
        if (pid.Process is not { IsAlive: true } p)
        {
            return null;
        }

        return new ProcessInfo(
            pid,
            p.RegisteredName,
            p.MessageQueueLength,
            p.MessagesReceived,
            p.TrapExit,
            p.LinkedPids(),
            p.MonitorCount(),
            p.Extension?.Describe());
    }

    /// <summary>Stops every process started from outside a process (with <c>shutdown</c>, then <c>kill</c> after five seconds), and with them what they link.</summary>
    /// <returns>A task that completes when they have exited.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var root in _roots.Keys.OrderByDescending(p => p.Id))
        {
            var exited = WaitForExitAsync(root.Self);
            Exit(root.Self, ExitReason.Shutdown);
            if (await Task.WhenAny(exited, Task.Delay(TimeSpan.FromSeconds(5), TimeProvider.System)).ConfigureAwait(false) != exited)
            {
                Exit(root.Self, ExitReason.Kill);
            }
        }

        Metrics.Dispose();
    }

    /// <summary>The registries started on this node, by name; a restarted registry replaces its table.</summary>
    internal ConcurrentDictionary<string, RegistryTable> Registries => _registries;

    internal long NextProcessId()
    {
        Interlocked.Increment(ref _alive);
        return Interlocked.Increment(ref _nextId);
    }

    internal void OnProcessExited(LocalProcess process, ExitReason reason)
    {
        Interlocked.Decrement(ref _alive);
        _all?.TryRemove(process, out _);
        if (process.Exported)
        {
            Router?.ProcessExited(process);
        }

        if (process.RegisteredName is { } name)
        {
            lock (process.Sync)
            {
                _names.TryRemove(new KeyValuePair<string, LocalProcess>(name, process));
                process.RegisteredName = null;
            }
        }

        if (process.IsRoot)
        {
            _roots.TryRemove(process, out _);
        }

        Metrics.ProcessExited(reason);
    }

    [SuppressMessage("Design", "CA1812", Justification = "Instantiated in WaitForExitAsync.")]
    private sealed class TaskDownWatcher : TaskCompletionSource<ExitReason>, IDownWatcher
    {
        public TaskDownWatcher()
            : base(TaskCreationOptions.RunContinuationsAsynchronously)
        {
        }

        public void OnDown(MonitorRef monitor, ExitReason reason) => TrySetResult(monitor.Target?.ExitReasonOrNull ?? reason);
    }
}
