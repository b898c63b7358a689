using System.Runtime.InteropServices;
using System.Text;

namespace Trellis.OsProcess;

/// <summary>
/// Some runtime settings exist only as environment variables read when the runtime starts (<c>DOTNET_GCgen0size</c>,
/// <c>DOTNET_ReadyToRun</c>): they have no runtimeconfig name. A long-lived command that needs one re-executes itself
/// once, first thing, with the variables set; the pid stays the same. The re-executed process removes from its
/// environment exactly the variables it was given this way, so the programs it starts do not inherit them. A variable
/// the user set already is left as the user set it.
/// </summary>
public static partial class RuntimeVariables
{
    /// <summary>
    /// Re-executes the process with each missing variable set, marked with <paramref name="marker"/>; returns at once in
    /// the re-executed process (after clearing what the re-exec added), when nothing is missing, or if exec fails.
    /// </summary>
    /// <param name="marker">An environment variable naming what the re-exec added, so it is removed again.</param>
    /// <param name="variables">The variables and their values.</param>
    public static void Ensure(string marker, params (string Name, string Value)[] variables)
    {
        if (Environment.GetEnvironmentVariable(marker) is { } added)
        {
            Environment.SetEnvironmentVariable(marker, null);
            foreach (var name in added.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                Environment.SetEnvironmentVariable(name, null);
            }

            return;
        }

        var missing = new List<(string Name, string Value)>();
        foreach (var v in variables)
        {
            if (Environment.GetEnvironmentVariable(v.Name) is null)
            {
                missing.Add(v);
            }
        }

        // The executable's real path, not /proc/self/exe: the process's name (comm, what ps and pgrep show) comes from it.
        if (missing.Count == 0 || !File.Exists("/proc/self/cmdline") || Environment.ProcessPath is not { } executable)
        {
            return;
        }

        var argv = File.ReadAllText("/proc/self/cmdline").TrimEnd('\0').Split('\0');
        var env = EnvironmentWith(marker, missing);
        RemoveDiagnosticsSocket();
        Exec(executable, argv, env);
    }

    /// <summary>
    /// Replaces this process with <paramref name="executable"/> (same pid), its environment this one's plus each of
    /// <paramref name="variables"/> the user has not set, marked with <paramref name="marker"/> so that the new
    /// process's <see cref="Ensure"/> removes them again. Returns only when the exec fails, with the reason.
    /// </summary>
    /// <param name="executable">The program to become.</param>
    /// <param name="argv">Its arguments, <c>argv[0]</c> first.</param>
    /// <param name="marker">The environment variable that names what was added.</param>
    /// <param name="variables">The variables and their values.</param>
    /// <returns>Why the exec failed.</returns>
    public static string Become(string executable, IReadOnlyList<string> argv, string marker, params (string Name, string Value)[] variables)
    {
        ArgumentNullException.ThrowIfNull(argv);
        ArgumentNullException.ThrowIfNull(variables);
        var env = EnvironmentWith(marker, variables.Where(v => Environment.GetEnvironmentVariable(v.Name) is null));
        Exec(executable, [.. argv], env);
        return Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
    }

    /// <summary>This process's environment plus <paramref name="added"/>, and <paramref name="marker"/> naming them.</summary>
    private static string[] EnvironmentWith(string marker, IEnumerable<(string Name, string Value)> added)
    {
        var env = new List<string>();
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            env.Add($"{e.Key}={e.Value}");
        }

        var names = new List<string>();
        foreach (var (name, value) in added)
        {
            env.Add($"{name}={value}");
            names.Add(name);
        }

        env.Add($"{marker}={string.Join(',', names)}");
        return [.. env];
    }

    /// <summary>
    /// The runtime's diagnostics socket (<c>dotnet-diagnostic-PID-KEY-socket</c> in the temporary directory) is removed
    /// when the runtime shuts down, which an exec skips; the re-executed runtime makes the same name for the same pid.
    /// Removed here, or each start would leave one behind and the new runtime could not listen for diagnostic tools.
    /// </summary>
    private static void RemoveDiagnosticsSocket()
    {
        try
        {
            foreach (var socket in Directory.EnumerateFiles(Path.GetTempPath(), $"dotnet-diagnostic-{Environment.ProcessId}-*-socket"))
            {
                File.Delete(socket);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: the worst case is the file left behind, as without this.
        }
    }

    private static unsafe void Exec(string path, string[] argv, string[] env)
    {
        var blocks = new List<nint>();
        try
        {
            var args = Block(argv, blocks);
            var envp = Block(env, blocks);
            _ = execve(path, (byte**)args, (byte**)envp);

            // Only a failed exec returns: the command then runs with the runtime's defaults.
        }
        finally
        {
            foreach (var b in blocks)
            {
                NativeMemory.Free((void*)b);
            }
        }
    }

    private static unsafe nint Block(string[] strings, List<nint> blocks)
    {
        var array = (byte**)NativeMemory.AllocZeroed((nuint)(strings.Length + 1), (nuint)sizeof(nint));
        blocks.Add((nint)array);
        for (var i = 0; i < strings.Length; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(strings[i] + "\0");
            var p = (byte*)NativeMemory.Alloc((nuint)bytes.Length);
            bytes.CopyTo(new Span<byte>(p, bytes.Length));
            blocks.Add((nint)p);
            array[i] = p;
        }

        return (nint)array;
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int execve(string path, byte** argv, byte** envp);
}
