using System.Text;

namespace Trellis.OsProcess;

/// <summary>Shell-like word splitting and quoting, without expansion.</summary>
internal static class CommandLine
{
    public static bool TrySplit(string text, out List<string> words, out string? error)
    {
        words = [];
        error = null;
        var current = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case ' ' or '\t' or '\n':
                    if (inWord)
                    {
                        words.Add(current.ToString());
                        current.Clear();
                        inWord = false;
                    }

                    break;
                case '\'':
                    var close = text.IndexOf('\'', i + 1);
                    if (close < 0)
                    {
                        error = $"unterminated single quote at column {i + 1}";
                        return false;
                    }

                    current.Append(text, i + 1, close - i - 1);
                    i = close;
                    inWord = true;
                    break;
                case '"':
                    var j = i + 1;
                    for (; j < text.Length && text[j] != '"'; j++)
                    {
                        if (text[j] == '\\' && j + 1 < text.Length && text[j + 1] is '"' or '\\' or '$' or '`')
                        {
                            j++;
                        }

                        current.Append(text[j]);
                    }

                    if (j >= text.Length)
                    {
                        error = $"unterminated double quote at column {i + 1}";
                        return false;
                    }

                    i = j;
                    inWord = true;
                    break;
                case '\\':
                    if (i + 1 >= text.Length)
                    {
                        error = "a backslash ends the command";
                        return false;
                    }

                    current.Append(text[++i]);
                    inWord = true;
                    break;
                default:
                    current.Append(c);
                    inWord = true;
                    break;
            }
        }

        if (inWord)
        {
            words.Add(current.ToString());
        }

        return true;
    }

    public static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%".Contains(c, StringComparison.Ordinal))
            ? word
            : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
