using System.Diagnostics;

namespace Trellis.Tests.Fakes;

/// <summary>Runs an example program (built beside the tests) as a child process of the test, for behaviour that ends a process.</summary>
public static class ExampleProcess
{
    public sealed record Result(int ExitCode, string Output);

    public static string DllPath(string example)
    {
        var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd('/'))!);
        var root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));
        var dll = Path.Combine(root, "examples", example, "bin", configuration, "net10.0", example + ".dll");
        Assert.True(File.Exists(dll), "not built: " + dll);
        return dll;
    }

    public static Process Start(string example, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(DllPath(example));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info)!;
    }

    public static async Task<Result> RunAsync(string example, params string[] arguments)
    {
        using var process = Start(example, arguments);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);
        return new Result(process.ExitCode, await stdout + await stderr);
    }
}
