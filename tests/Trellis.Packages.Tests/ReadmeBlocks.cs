using System.Text.RegularExpressions;

namespace Trellis.Packages.Tests;

/// <summary>One C# block of README.md: its code, the line its code starts on, and whether it is marked a fragment.</summary>
internal sealed record ReadmeBlock(string Code, int Line, bool Fragment);

/// <summary>
/// The C# blocks of README.md. A block is a whole program unless the line before its fence is
/// <c>&lt;!-- fragment --&gt;</c>: a fragment is compiled inside a method that gives it the names the README's text
/// takes for granted (a node, children, a host builder).
/// </summary>
internal static partial class ReadmeBlocks
{
    public static IReadOnlyList<ReadmeBlock> Read(string readme)
    {
        var lines = File.ReadAllLines(readme);
        var blocks = new List<ReadmeBlock>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() != "```csharp")
            {
                continue;
            }

            var fragment = i > 0 && FragmentMark().IsMatch(lines[i - 1]);
            var start = i + 1;
            var end = start;
            while (end < lines.Length && lines[end].Trim() != "```")
            {
                end++;
            }

            blocks.Add(new ReadmeBlock(string.Join('\n', lines[start..end]), start + 1, fragment));
            i = end;
        }

        return blocks;
    }

    [GeneratedRegex(@"^\s*<!--\s*fragment\s*-->\s*$")]
    private static partial Regex FragmentMark();
}
