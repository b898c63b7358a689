using System.Collections;

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
    public bool Equals(ErrorTerm? other) => other is not null && Tag == other.Tag && SameTerms(Values, other.Values);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ErrorTerm);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Tag, Values.Count);

    /// <summary>Values compare as terms: lists element by element (Erlang's <c>[{auto_shutdown,never},...]</c>), the rest with Equals.</summary>
    private static bool SameTerms(object? left, object? right)
    {
        if (left is string || right is string || left is not IEnumerable l || right is not IEnumerable r)
        {
            return Equals(left, right);
        }

        var a = l.GetEnumerator();
        var b = r.GetEnumerator();
        while (true)
        {
            var more = a.MoveNext();
            if (more != b.MoveNext())
            {
                return false;
            }

            if (!more)
            {
                return true;
            }

            if (!SameTerms(a.Current, b.Current))
            {
                return false;
            }
        }
    }

    /// <summary><c>{tag,value,...}</c>.</summary>
    public override string ToString() => Terms.Tuple([new Atom(Tag), .. Values]);
}
