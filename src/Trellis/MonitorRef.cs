using System.Globalization;
using Trellis.Internal;

namespace Trellis;

/// <summary>A monitor: the reference carried by the <see cref="DownMessage"/> it produces.</summary>
public sealed class MonitorRef
{
    private static long s_next;

    internal MonitorRef(LocalProcess target, IDownWatcher watcher)
    {
        Id = Interlocked.Increment(ref s_next);
        Target = target;
        Watcher = watcher;
    }

    internal MonitorRef(RemotePid target, IDownWatcher watcher)
    {
        Id = Interlocked.Increment(ref s_next);
        RemoteTarget = target;
        Watcher = watcher;
    }

    /// <summary>The monitored process.</summary>
    public Pid Pid => Target is not null ? new(Target) : new(RemoteTarget!);

    internal long Id { get; }

    internal LocalProcess? Target { get; }

    /// <summary>The watched process when it is on another node.</summary>
    internal RemotePid? RemoteTarget { get; }

    internal IDownWatcher Watcher { get; }

    /// <summary>True until the DOWN is delivered or the monitor is removed. Changed under the watcher's lock.</summary>
    internal bool Active { get; set; } = true;

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"#Ref<{Id}>");
}
