using Trellis.Internal;

namespace Trellis;

/// <summary>The caller of a <see cref="GenServer"/> call, to answer later with <see cref="GenServer.Reply(From, object?)"/>.</summary>
public readonly struct From : IEquatable<From>
{
    internal From(CallRequest call) => Call = call;

    internal CallRequest? Call { get; }

    /// <inheritdoc />
    public bool Equals(From other) => ReferenceEquals(Call, other.Call);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is From other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Call?.GetHashCode() ?? 0;

    /// <summary>Identity equality.</summary>
    /// <param name="left">A caller.</param>
    /// <param name="right">Another caller.</param>
    public static bool operator ==(From left, From right) => left.Equals(right);

    /// <summary>Identity inequality.</summary>
    /// <param name="left">A caller.</param>
    /// <param name="right">Another caller.</param>
    public static bool operator !=(From left, From right) => !left.Equals(right);
}
