using System.Diagnostics;

namespace Trellis.Daemon.Tests;

/// <summary>
/// Runs a command as another user (uid 65534, nobody) with <c>setpriv</c>, optionally in extra groups: how the access
/// tests try what a local attacker would. The tests run as root, as CI does.
/// </summary>
internal static class OtherUser
{
    public const int Uid = 65534;

    private static readonly Lazy<string> Cli = new(CopyCli, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// The trellis command where another user can run it: the build's folder may sit under a directory only root can
    /// enter (a clone under /root), so the command and the assemblies it loads are copied to a folder of their own
    /// in /tmp, removed when the test run ends.
    /// </summary>
    public static string Trellis => Cli.Value;

    public static async Task<(int Code, string Out, string Err)> RunAsync(IReadOnlyList<uint> groups, params string[] command)
    {
        Assert.True(OsProcess.Native.Libc.geteuid() == 0, "the access tests run as root, to act as another user with setpriv");
        var info = new ProcessStartInfo("setpriv") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { $"--reuid={Uid}", $"--regid={Uid}" })
        {
            info.ArgumentList.Add(a);
        }

        info.ArgumentList.Add(groups.Count == 0 ? "--clear-groups" : "--groups=" + string.Join(',', groups));
        foreach (var a in command)
        {
            info.ArgumentList.Add(a);
        }

        // The runtime needs a home and a temporary directory it may write; nobody owns neither of root's.
        info.Environment["HOME"] = "/tmp";
        info.Environment["DOTNET_CLI_HOME"] = "/tmp";
        info.Environment["DOTNET_EnableDiagnostics"] = "0";
        info.Environment.Remove("TRELLIS_SOCKET");
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(DaemonProcess.Deadline);
        return (p.ExitCode, await stdout, await stderr);
    }

    public static Task<(int Code, string Out, string Err)> RunAsync(params string[] command) => RunAsync([], command);

    private static string CopyCli()
    {
        var dir = Directory.CreateTempSubdirectory("trellis-cli-").FullName;
        File.SetUnixFileMode(dir, (UnixFileMode)0x1ED /* 0755 */);
        var from = Path.GetDirectoryName(DaemonProcess.TrellisCommand)!;
        foreach (var file in Directory.GetFiles(from).Where(f => Path.GetFileName(f) is var n
            && (n.StartsWith("Trellis.Daemon", StringComparison.Ordinal) || n.EndsWith(".dll", StringComparison.Ordinal)) && !n.Contains(".Tests", StringComparison.Ordinal)))
        {
            var to = Path.Combine(dir, Path.GetFileName(file));
            File.Copy(file, to);
            File.SetUnixFileMode(to, (UnixFileMode)0x1ED);
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(dir, recursive: true);
        return Path.Combine(dir, "Trellis.Daemon");
    }

    /// <summary>Lets other users pass through <paramref name="dir"/> (0711), as a home or /srv directory would.</summary>
    public static void Traverse(string dir) => File.SetUnixFileMode(dir, (UnixFileMode)0x1C9 /* 0711 */);

    public static UnixFileMode Mode(string path) => File.GetUnixFileMode(path) & (UnixFileMode)0xFFF;
}
