namespace Trellis;

/// <summary>
/// A tagged error value, the counterpart of an Erlang tuple such as <c>{failed_to_start_child, Id, Reason}</c>
/// or <c>{invalid_restart_type, X}</c>. It is the <see cref="ExitReason.Detail"/> of a <see cref="ExitReasonKind.Term"/> reason.
/// </summary>
public sealed class ErrorTerm : IEquatable<ErrorTerm>
{
    /// <summary>Creates a tagged value.</summary>
    /// <param name="tag">The tag, such as <c>failed_to_start_child</c>.</param>
    /// <param name="values">The values after the tag.</param>
    public ErrorTerm(string tag, params object?[] values)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        Tag = tag;
        Values = values ?? [];
    }

    /// <summary>The tag.</summary>
    public string Tag { get; }

    /// <summary>The values after the tag.</summary>
    public IReadOnlyList<object?> Values { get; }

    /// <inheritdoc />
    public bool Equals(ErrorTerm? other) => other is not null && Tag == other.Tag && Values.SequenceEqual(other.Values);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ErrorTerm);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Tag, Values.Count);

    /// <summary><c>{tag,value,...}</c>.</summary>
    public override string ToString() => Terms.Tuple([new Atom(Tag), .. Values]);
}
