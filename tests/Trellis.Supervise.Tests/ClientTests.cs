using System.Diagnostics;
using System.Globalization;

namespace Trellis.Supervise.Tests;

/// <summary>Debian's daemontools and runit clients drive supervise through a service directory's supervise link.</summary>
public class ClientTests
{
    private static async Task<(int Code, string Out)> Tool(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(SupervisedDir.Deadline);
        return (p.ExitCode, await output + await error);
    }

    private static string ServiceDir(SupervisedDir d)
    {
        var svc = Path.Combine(d.Root, "service");
        Directory.CreateDirectory(svc);
        File.CreateSymbolicLink(Path.Combine(svc, "supervise"), d.StatusPath);
        return svc;
    }

    private static void RequireTool(string tool) =>
        Assert.True(File.Exists("/usr/bin/" + tool), $"{tool} is missing: the test command installs Debian's daemontools and runit");

    [Fact]
    public async Task Svc_And_Svok_Work()
    {
        RequireTool("svc");
        await using var d = new SupervisedDir();
        var sv = d.StartForeground("-f", "sleep 600", "--restart-delay", "0");
        var first = await d.WaitForPidAsync(p => p > 0);
        var svc = ServiceDir(d);
        Assert.Equal(0, (await Tool("svok", svc)).Code);

        await Tool("svc", "-d", svc);
        await d.WaitForPidAsync(p => p == 0);
        await Tool("svc", "-u", svc);
        var second = await d.WaitForNewPidAsync(0);
        await Tool("svc", "-k", svc);
        await d.WaitForNewPidAsync(second);
        Assert.False(SupervisedDir.Exists(first));

        await Tool("svc", "-dx", svc);
        await sv.WaitForExitAsync().WaitAsync(SupervisedDir.Deadline);
        Assert.Equal(100, (await Tool("svok", svc)).Code);
    }

    [Fact]
    public async Task RunitLayout_IsReadBySvstatAndSv()
    {
        RequireTool("svstat");
        await using var d = new SupervisedDir();
        d.StartForeground("-f", "sleep 600", "--status-layout", "runit");
        var pid = await d.WaitForPidAsync(p => p > 0, runit: true);
        var svc = ServiceDir(d);
        var (_, svstat) = await Tool("svstat", svc);
        Assert.Contains($"up (pid {pid.ToString(CultureInfo.InvariantCulture)})", svstat, StringComparison.Ordinal);
        if (File.Exists("/usr/bin/sv"))
        {
            var (_, sv) = await Tool("sv", "status", svc);
            Assert.Contains($"run: {svc}: (pid {pid.ToString(CultureInfo.InvariantCulture)})", sv, StringComparison.Ordinal);
        }
    }
}
