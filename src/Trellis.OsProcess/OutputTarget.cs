namespace Trellis.OsProcess;

/// <summary>Where a program's standard output or standard error goes.</summary>
public sealed class OutputTarget
{
    private OutputTarget(OutputKind kind, string? path, Action<string>? onLine)
    {
        Kind = kind;
        Path = path;
        OnLine = onLine;
    }

    /// <summary>The supervisor's own stream, inherited.</summary>
    public static OutputTarget Inherit { get; } = new(OutputKind.Inherit, null, null);

    /// <summary><c>/dev/null</c>.</summary>
    public static OutputTarget Null { get; } = new(OutputKind.File, "/dev/null", null);

    /// <summary>What kind of target this is.</summary>
    public OutputKind Kind { get; }

    /// <summary>The file, for <see cref="OutputKind.File"/>.</summary>
    public string? Path { get; }

    /// <summary>The line handler, for <see cref="OutputKind.Lines"/>.</summary>
    public Action<string>? OnLine { get; }

    /// <summary>A file, created if missing and appended to (it survives restarts of the program).</summary>
    /// <param name="path">The file's path.</param>
    /// <returns>The target.</returns>
    public static OutputTarget AppendTo(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new(OutputKind.File, path, null);
    }

    /// <summary>
    /// A pipe the supervisor owns: each line the program writes is passed to <paramref name="onLine"/>, on a reader
    /// that belongs to the program's child process and ends with it.
    /// </summary>
    /// <param name="onLine">Called once per line, without the line end.</param>
    /// <returns>The target.</returns>
    public static OutputTarget Lines(Action<string> onLine)
    {
        ArgumentNullException.ThrowIfNull(onLine);
        return new(OutputKind.Lines, null, onLine);
    }

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        OutputKind.Inherit => "inherit",
        OutputKind.File => "file:" + Path,
        _ => "lines",
    };
}

/// <summary>The kinds of <see cref="OutputTarget"/>.</summary>
public enum OutputKind
{
    /// <summary>The supervisor's own stream.</summary>
    Inherit,

    /// <summary>A file opened for appending.</summary>
    File,

    /// <summary>A pipe read line by line.</summary>
    Lines,
}
