using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Trellis.OsProcess.Native;

namespace Trellis.OsProcess;

/// <summary>
/// The pages of this process's executable (or of every file it maps: <see cref="FindFiles"/>) that the kernel mapped
/// while it ran: most of a native program's resident memory. A page fault on a file maps up to 64 KB around the page
/// asked for, so starting touches most of the code once; giving those pages back leaves them in the page cache (the
/// next use is a minor fault, no disk read) and shrinks the resident set to what the program goes on using.
/// </summary>
public sealed class CodePages
{
    private const int MadvDontNeed = 4;
    private readonly List<CodeMapping> _mappings;

    private CodePages(List<CodeMapping> mappings)
    {
        _mappings = mappings;
        ResidentBytes = mappings.Sum(m => m.ResidentBytes);
    }

    /// <summary>How much of those pages was resident when they were found.</summary>
    public long ResidentBytes { get; }

    /// <summary>
    /// Finds the executable's read-only pages that hold nothing of this process's own: only mappings of the executable
    /// without write permission and without a private (copy-on-write) page, so that giving them back drops nothing
    /// written. Anything the caller does between this and <see cref="Release"/> maps pages that are then given back too.
    /// </summary>
    /// <returns>The pages; none when /proc could not be read.</returns>
    public static CodePages Find() => Find(executableOnly: true);

    /// <summary>
    /// As <see cref="Find()"/>, for every file the process maps instead of its executable alone: a .NET program's
    /// runtime, native libraries and assemblies, which are most of its resident memory once it has started.
    /// </summary>
    /// <returns>The pages; none when /proc could not be read.</returns>
    public static CodePages FindFiles() => Find(executableOnly: false);

    private static CodePages Find(bool executableOnly)
    {
        char[]? text = null;
        try
        {
            var path = executableOnly ? new FileInfo("/proc/self/exe").LinkTarget ?? string.Empty : null;
            var length = ReadSmaps(ref text);
            return new CodePages(CodeMappings.Select(text.AsSpan(0, length), path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new CodePages([]);
        }
        finally
        {
            if (text is not null)
            {
                ArrayPool<char>.Shared.Return(text);
            }
        }
    }

    /// <summary>
    /// Unmaps the pages found (<c>madvise(MADV_DONTNEED)</c>); they stay in the page cache. Sound as long as nothing
    /// makes a read-only page of the executable writable in between: the loader and the runtime do that only while the
    /// process starts (relocations, the stack-protector cookie), and the executable's mappings never move.
    /// </summary>
    /// <returns>The resident bytes given back, as found.</returns>
    public long Release()
    {
        long released = 0;
        foreach (var mapping in _mappings)
        {
            if (Libc.madvise((nint)mapping.Start, (nuint)mapping.Length, MadvDontNeed) == 0)
            {
                released += mapping.ResidentBytes;
            }
        }

        return released;
    }

    // smaps is ASCII; read into pooled buffers, so that finding the pages allocates next to nothing (the text is some
    // 60 KB, which as one string would land on the large-object heap).
    private static int ReadSmaps([NotNull] ref char[]? text)
    {
        var bytes = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            using var handle = File.OpenHandle("/proc/self/smaps");
            var length = 0;
            while (true)
            {
                if (length == bytes.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(bytes.Length * 2);
                    bytes.AsSpan().CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(bytes);
                    bytes = larger;
                }

                // procfs serves a file read on from where the last read ended.
                var read = RandomAccess.Read(handle, bytes.AsSpan(length), length);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }

            text = ArrayPool<char>.Shared.Rent(Math.Max(length, 1));
            return Encoding.Latin1.GetChars(bytes.AsSpan(0, length), text);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }
}

/// <summary>One mapping <see cref="CodePages"/> may give back.</summary>
/// <param name="Start">Its first address.</param>
/// <param name="Length">Its length in bytes.</param>
/// <param name="ResidentBytes">How much of it is resident.</param>
internal readonly record struct CodeMapping(ulong Start, ulong Length, long ResidentBytes);

/// <summary>Which mappings of <c>/proc/self/smaps</c> hold only the file's own pages.</summary>
internal static class CodeMappings
{
    /// <summary>
    /// The mappings of <paramref name="path"/> (of any file when null) that are private, not writable, resident and
    /// without an anonymous (copy-on-write) page: dropping them loses nothing, since every page is the file's. A file
    /// is a name that starts with a slash, other than a memfd (the runtime's double-mapped code) or a deleted file.
    /// </summary>
    /// <param name="smaps">The text of <c>/proc/PID/smaps</c>.</param>
    /// <param name="path">The mapped file; null for every file.</param>
    /// <returns>The mappings, in address order.</returns>
    public static List<CodeMapping> Select(ReadOnlySpan<char> smaps, string? path)
    {
        var result = new List<CodeMapping>();
        if (path is { Length: 0 })
        {
            return result;
        }

        ulong start = 0, end = 0;
        bool candidate = false;
        long rss = 0;
        foreach (var line in smaps.EnumerateLines())
        {
            if (Header(line, out var s, out var e, out var perms, out var name))
            {
                candidate = perms.Length == 4 && perms[1] != 'w' && perms[3] == 'p' && (path is null ? IsFile(name) : name.SequenceEqual(path));
                start = s;
                end = e;
                rss = 0;
            }
            else if (candidate && Field(line, "Rss:", out var rssKb))
            {
                rss = rssKb * 1024;
            }
            else if (candidate && Field(line, "Anonymous:", out var anonKb))
            {
                // Anonymous comes after Rss in every kernel's smaps; a mapping is decided when it is read.
                if (anonKb == 0 && rss > 0)
                {
                    Debug.Assert(end > start, "a mapping ends after it starts");
                    result.Add(new CodeMapping(start, end - start, rss));
                }

                candidate = false;
            }
        }

        return result;
    }

    private static bool IsFile(ReadOnlySpan<char> name) =>
        name.StartsWith('/') && !name.StartsWith("/memfd:", StringComparison.Ordinal) && !name.EndsWith(" (deleted)", StringComparison.Ordinal);

    // "55d0c1a00000-55d0c1a0d000 r--p 00000000 fe:00 1234   /path": a header starts with an address range.
    private static bool Header(ReadOnlySpan<char> line, out ulong start, out ulong end, out ReadOnlySpan<char> perms, out ReadOnlySpan<char> name)
    {
        start = end = 0;
        perms = name = default;
        var dash = line.IndexOf('-');
        var space = line.IndexOf(' ');
        if (dash <= 0 || space <= dash
            || !ulong.TryParse(line[..dash], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out start)
            || !ulong.TryParse(line[(dash + 1)..space], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out end))
        {
            return false;
        }

        var rest = line[(space + 1)..];
        var afterPerms = rest.IndexOf(' ');
        if (afterPerms < 0)
        {
            return false;
        }

        perms = rest[..afterPerms];

        // offset, device and inode come next; the name, if any, is the rest after the spaces that pad it.
        rest = rest[(afterPerms + 1)..];
        for (var field = 0; field < 3; field++)
        {
            var next = rest.IndexOf(' ');
            rest = next < 0 ? [] : rest[(next + 1)..];
        }

        name = rest.TrimStart(' ');
        return true;
    }

    private static bool Field(ReadOnlySpan<char> line, string key, out long kb)
    {
        kb = 0;
        if (!line.StartsWith(key, StringComparison.Ordinal))
        {
            return false;
        }

        var value = line[key.Length..].Trim();
        var unit = value.IndexOf(' ');
        return long.TryParse(unit < 0 ? value : value[..unit], NumberStyles.None, CultureInfo.InvariantCulture, out kb);
    }
}
