using System.Globalization;
using System.Runtime.InteropServices;

namespace Trellis.OsProcess;

/// <summary>
/// Why a program could not be started: the errno and the path it concerns. It is the reason of the start error
/// (<c>{error, {spawn_failed, enoent, "/usr/bin/nope"}}</c>).
/// </summary>
/// <param name="Errno">The error number.</param>
/// <param name="Path">The program or file concerned.</param>
/// <param name="Detail">An explanation, when the errno alone would mislead.</param>
public sealed record SpawnFailure(int Errno, string Path, string? Detail = null)
{
    /// <summary>The errno's symbolic name in lower case (<c>enoent</c>).</summary>
    public string ErrnoName => Errno switch
    {
        1 => "eperm",
        2 => "enoent",
        7 => "e2big",
        8 => "enoexec",
        11 => "eagain",
        12 => "enomem",
        13 => "eacces",
        20 => "enotdir",
        21 => "eisdir",
        22 => "einval",
        24 => "emfile",
        26 => "etxtbsy",
        40 => "eloop",
        _ => "errno" + Errno.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>A sentence for a log: <c>/usr/bin/nope: No such file or directory</c>.</summary>
    public string Message => Path + ": " + (Detail ?? Marshal.GetPInvokeErrorMessage(Errno));

    /// <inheritdoc/>
    public override string ToString() => new ErrorTerm("spawn_failed", new Atom(ErrnoName), Path).ToString();
}
