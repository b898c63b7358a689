using System.Globalization;
using Trellis.Internal;

namespace Trellis;

/// <summary>
/// The identity of a process. Cheap to copy and compare; a <see cref="Pid"/> stays valid (and keeps
/// comparing equal) after its process has exited. <see cref="None"/> stands for Erlang's <c>undefined</c>.
/// </summary>
public readonly struct Pid : IEquatable<Pid>
{
    internal Pid(LocalProcess process) => Process = process;

    /// <summary>No process.</summary>
    public static Pid None => default;

    /// <summary>True for <see cref="None"/>.</summary>
    public bool IsNone => Process is null;

    /// <summary>The process number, unique within its node; 0 for <see cref="None"/>.</summary>
    public long Id => Process?.Id ?? 0;

    /// <summary>True while the process is alive.</summary>
    public bool IsAlive => Process is { IsAlive: true };

    internal LocalProcess? Process { get; }

    /// <summary>
    /// Sends <paramref name="message"/> to the process (Erlang's <c>Pid ! Message</c>). Like Erlang's
    /// send it never fails: a message to a dead process is dropped.
    /// </summary>
    /// <param name="message">The message; must not be null.</param>
    /// <returns>True if the process was alive and the message is in its mailbox.</returns>
    public bool Send(object message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Process is { } p && p.Enqueue(message);
    }

    /// <inheritdoc />
    public bool Equals(Pid other) => ReferenceEquals(Process, other.Process);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Pid other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Process is null ? 0 : Process.Id.GetHashCode();

    /// <summary>Identity equality.</summary>
    /// <param name="left">A pid.</param>
    /// <param name="right">Another pid.</param>
    public static bool operator ==(Pid left, Pid right) => left.Equals(right);

    /// <summary>Identity inequality.</summary>
    /// <param name="left">A pid.</param>
    /// <param name="right">Another pid.</param>
    public static bool operator !=(Pid left, Pid right) => !left.Equals(right);

    /// <summary>Erlang-like text: <c>&lt;0.42.0&gt;</c>, or <c>undefined</c>.</summary>
    public override string ToString() =>
        Process is null ? "undefined" : string.Create(CultureInfo.InvariantCulture, $"<0.{Process.Id}.0>");
}
