using System.Runtime.InteropServices;
using System.Text;

namespace Trellis.Daemon.Cli;

/// <summary>
/// The daemon's gen0 budget. By default the GC sizes gen0 from the CPU cache, and on a large-cache machine garbage
/// piles up to ~100 MB before the first collection: 158 MB of RSS at 1,000 services, against 83 MB with a 4 MB
/// budget. The budget can only be set before the runtime starts (the <c>DOTNET_GCgen0size</c> variable; it has no
/// runtimeconfig name), so <c>trellis up</c> re-executes itself once with it set. The pid stays the same.
/// </summary>
internal static partial class GcBudget
{
    private const string Variable = "DOTNET_GCgen0size";
    private const string Marker = "TRELLIS_GC_BUDGET_SET";

    /// <summary>Re-executes the process with the budget set, unless it is set already; returns only if it cannot.</summary>
    public static void EnsureForDaemon()
    {
        if (Environment.GetEnvironmentVariable(Marker) is not null)
        {
            // Set by the re-exec for this process only: the services must not inherit it.
            Environment.SetEnvironmentVariable(Marker, null);
            Environment.SetEnvironmentVariable(Variable, null);
            return;
        }

        if (Environment.GetEnvironmentVariable(Variable) is not null || !File.Exists("/proc/self/cmdline"))
        {
            return;
        }

        var argv = File.ReadAllText("/proc/self/cmdline").TrimEnd('\0').Split('\0');
        var env = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Select(k => $"{k}={Environment.GetEnvironmentVariable(k)}")
            .Append($"{Variable}=0x400000")
            .Append($"{Marker}=1")
            .ToArray();
        Exec("/proc/self/exe", argv, env);
    }

    private static unsafe void Exec(string path, string[] argv, string[] env)
    {
        var blocks = new List<nint>();
        try
        {
            var args = Block(argv, blocks);
            var envp = Block(env, blocks);
            _ = execve(path, (byte**)args, (byte**)envp);

            // Only a failed exec returns: the daemon then runs with the default budget.
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
