using System.Globalization;
using Trellis.Internal;

namespace Trellis;

/// <summary>
/// The identity of a process. Cheap to copy and compare; a <see cref="Pid"/> stays valid (and keeps
/// comparing equal) after its process has exited. <see cref="None"/> stands for Erlang's <c>undefined</c>.
/// A pid may name a process on another node (see Trellis.Distribution): sends, links, monitors, exit signals and
/// calls then cross the connection to that node, with the same semantics.
/// </summary>
public readonly struct Pid : IEquatable<Pid>
{
    // A LocalProcess, a RemotePid, or null for None.
    private readonly object? _target;

    internal Pid(LocalProcess process) => _target = process;

    internal Pid(RemotePid remote) => _target = remote;

    /// <summary>No process.</summary>
    public static Pid None => default;

    /// <summary>True for <see cref="None"/>.</summary>
    public bool IsNone => _target is null;

    /// <summary>True for a process on this node; false for <see cref="None"/> and for a process on another node.</summary>
    public bool IsLocal => _target is LocalProcess;

    /// <summary>The name of the process's node; null for <see cref="None"/>.</summary>
    public string? NodeName => _target switch
    {
        LocalProcess p => p.Node.Name,
        RemotePid r => r.NodeName,
        _ => null,
    };

    /// <summary>The process number, unique within its node's incarnation; 0 for <see cref="None"/>.</summary>
    public long Id => _target switch
    {
        LocalProcess p => p.Id,
        RemotePid r => r.Id,
        _ => 0,
    };

    /// <summary>
    /// True while the process is alive. For a process on another node: while its node is connected and the
    /// process has not been seen to exit.
    /// </summary>
    public bool IsAlive => _target switch
    {
        LocalProcess p => p.IsAlive,
        RemotePid r => r.Router.IsReachable(r),
        _ => false,
    };

    internal LocalProcess? Process => _target as LocalProcess;

    internal RemotePid? Remote => _target as RemotePid;

    /// <summary>
    /// Sends <paramref name="message"/> to the process (Erlang's <c>Pid ! Message</c>). Like Erlang's
    /// send it never fails: a message to a dead process is dropped.
    /// </summary>
    /// <param name="message">The message; must not be null.</param>
    /// <returns>True if the process was alive and the message is in its mailbox.</returns>
    public bool Send(object message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return _target switch
        {
            LocalProcess p => p.Enqueue(message),
            RemotePid r => r.Router.Send(r, message),
            _ => false,
        };
    }

    /// <inheritdoc />
    public bool Equals(Pid other) =>
        ReferenceEquals(_target, other._target) || (_target is RemotePid a && a.Equals(other._target as RemotePid));

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Pid other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _target switch
    {
        LocalProcess p => p.Id.GetHashCode(),
        RemotePid r => r.GetHashCode(),
        _ => 0,
    };

    /// <summary>Identity equality.</summary>
    /// <param name="left">A pid.</param>
    /// <param name="right">Another pid.</param>
    public static bool operator ==(Pid left, Pid right) => left.Equals(right);

    /// <summary>Identity inequality.</summary>
    /// <param name="left">A pid.</param>
    /// <param name="right">Another pid.</param>
    public static bool operator !=(Pid left, Pid right) => !left.Equals(right);

    /// <summary>Erlang-like text: <c>&lt;0.42.0&gt;</c> on this node, <c>&lt;b@host.42.7&gt;</c> on node b@host (incarnation 7), or <c>undefined</c>.</summary>
    public override string ToString() => _target switch
    {
        LocalProcess p => string.Create(CultureInfo.InvariantCulture, $"<0.{p.Id}.0>"),
        RemotePid r => r.ToString(),
        _ => "undefined",
    };
}
