using System.Text;

namespace Trellis.OsProcess;

/// <summary>
/// An operating-system program to run as a supervised child: what to execute and the world it runs in.
/// No shell is involved unless <see cref="Shell(string)"/> builds the spec.
/// </summary>
public sealed record ProgramSpec
{
    /// <summary>The executable: a path, or a name looked up in the program's <c>PATH</c>.</summary>
    public required string FileName { get; init; }

    /// <summary>The arguments after the program name (<c>argv[1..]</c>).</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>Whether the program starts with the supervisor's environment (true) or an empty one.</summary>
    public bool InheritEnvironment { get; init; } = true;

    /// <summary>Variables to set on top of the starting environment; a null value removes the variable.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>The working directory; the supervisor's when null.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>
    /// The user to run as (a name or a numeric uid); only when the supervisor runs as root. <c>HOME</c>, <c>USER</c>,
    /// <c>LOGNAME</c> and <c>SHELL</c> are set to that user's, and the user's groups are loaded.
    /// </summary>
    public string? User { get; init; }

    /// <summary>The group to run as (a name or a numeric gid); only as root. The user's own group when null.</summary>
    public string? Group { get; init; }

    /// <summary>The core-file size limit in bytes (<c>RLIMIT_CORE</c>); <see cref="ulong.MaxValue"/> is unlimited, null inherits.</summary>
    public ulong? CoreLimit { get; init; }

    /// <summary>The open-files limit (<c>RLIMIT_NOFILE</c>); null inherits.</summary>
    public ulong? OpenFilesLimit { get; init; }

    /// <summary>Standard input: <c>/dev/null</c> unless this names a file to read.</summary>
    public string? StandardInput { get; init; }

    /// <summary>Standard output.</summary>
    public OutputTarget StandardOutput { get; init; } = OutputTarget.Inherit;

    /// <summary>Standard error.</summary>
    public OutputTarget StandardError { get; init; } = OutputTarget.Inherit;

    /// <summary>
    /// A readiness channel as s6 has it: the program gets the write end of a pipe as descriptor
    /// <see cref="NotificationFd"/>, and each line it writes there is passed to this target (which must be
    /// <see cref="OutputTarget.Lines"/>); a program says it is ready by writing a newline. Null for none.
    /// </summary>
    public OutputTarget? Notification { get; init; }

    /// <summary>The descriptor number of the <see cref="Notification"/> pipe in the program (3 or more).</summary>
    public int NotificationFd { get; init; } = 3;

    /// <summary>The signal that asks the program to stop (followed by SIGCONT, and by SIGKILL after the shutdown timeout).</summary>
    public int StopSignal { get; init; } = Signals.Term;

    /// <summary>
    /// When the program exits by itself, SIGKILL whatever is left of its process group, so a restart never finds a
    /// stray grandchild holding its port. True by default; a program that deliberately leaves helpers behind sets false.
    /// </summary>
    public bool KillGroupOnExit { get; init; } = true;

    /// <summary>
    /// How long the child waits, once started, before it spawns the program: a restart delay that never holds up the
    /// supervisor. The start answers at once, with 0 as the OS pid (<see cref="ProgramChild.WaitSpawnedAsync"/> gives
    /// the real one when it is there); a shutdown during the wait ends the child with nothing spawned, and a spawn that
    /// fails when the wait is up ends it with the spawn's failure as its exit reason. Zero (the default) spawns in the
    /// start, whose failure is then the start's.
    /// </summary>
    public TimeSpan StartDelay { get; init; }

    /// <summary>
    /// The control group the program is spawned into, with its limits; null for none (the program and what it starts
    /// are then held by their process group and session only, which a <c>setsid</c> leaves). When the program's
    /// process ends, or is stopped, every member of the group is killed too; a SIGKILL while the group has a
    /// memory limit and its OOM killer fired makes the exit reason <c>{oom_killed, {memory_max, Bytes}}</c>.
    /// </summary>
    public ControlGroup? ControlGroup { get; init; }

    /// <summary>A program run through <c>/bin/sh -c</c>.</summary>
    /// <param name="command">The shell command.</param>
    /// <returns>The spec.</returns>
    public static ProgramSpec Shell(string command)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(command);
        return new ProgramSpec { FileName = "/bin/sh", Arguments = ["-c", command] };
    }

    /// <summary>
    /// Splits <paramref name="commandLine"/> into words the way a shell does for plain words, single and double quotes
    /// and backslash escapes, without expanding anything; the first word is the program.
    /// </summary>
    /// <param name="commandLine">The command line, for example <c>python app.py --port 8080</c>.</param>
    /// <param name="spec">The spec.</param>
    /// <param name="error">What is wrong with the command line.</param>
    /// <returns>True if the command line is well formed and names a program.</returns>
    public static bool TryParse(string? commandLine, out ProgramSpec? spec, out string? error)
    {
        spec = null;
        if (!CommandLine.TrySplit(commandLine ?? string.Empty, out var words, out error))
        {
            return false;
        }

        if (words.Count == 0)
        {
            error = "the command is empty";
            return false;
        }

        spec = new ProgramSpec { FileName = words[0], Arguments = words.GetRange(1, words.Count - 1).ToArray() };
        return true;
    }

    /// <summary>The command as a readable line.</summary>
    /// <returns>The program and its arguments, quoted where needed.</returns>
    public string CommandText()
    {
        var sb = new StringBuilder(CommandLine.Quote(FileName));
        foreach (var a in Arguments)
        {
            sb.Append(' ').Append(CommandLine.Quote(a));
        }

        return sb.ToString();
    }
}
