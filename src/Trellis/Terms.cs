using System.Collections;
using System.Globalization;
using System.Text;

namespace Trellis;

/// <summary>Prints values the way Erlang prints terms, for reasons and reports.</summary>
internal static class Terms
{
    public static string Format(object? value) => value switch
    {
        null => "undefined",
        string s => "\"" + s + "\"",
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable e => "[" + string.Join(",", e.Cast<object?>().Select(Format)) + "]",
        _ => value.ToString() ?? value.GetType().Name,
    };

    /// <summary>A tuple as a value that prints unquoted inside another term.</summary>
    public static object TupleTerm(params object?[] items) => new Raw(Tuple(items));

    /// <summary>Text that prints as itself inside a term.</summary>
    public static object RawTerm(string text) => new Raw(text);

    public static string Tuple(params object?[] items)
    {
        var sb = new StringBuilder("{");
        for (var i = 0; i < items.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            sb.Append(items[i] is Atom a ? a.Name : Format(items[i]));
        }

        return sb.Append('}').ToString();
    }

    private sealed record Raw(string Text)
    {
        public override string ToString() => Text;
    }
}
