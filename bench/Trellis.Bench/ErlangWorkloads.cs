using System.Diagnostics;
using System.Globalization;

namespace Trellis.Bench;

/// <summary>Compiles and runs bench/erlang/trellis_bench.erl with Debian's erlang, and reads its "name value" lines.</summary>
internal static class ErlangWorkloads
{
    public static async Task<Dictionary<string, double>?> RunAsync(Sizes sizes, TextWriter log)
    {
        var source = Path.Combine(AppContext.BaseDirectory, "erlang");
        var ebin = Directory.CreateTempSubdirectory("trellis-bench-").FullName;
        try
        {
            var compile = await RunAsync("erlc", ["-o", ebin, Path.Combine(source, "trellis_bench.erl"), Path.Combine(source, "trellis_bench_sup.erl")]);
            if (compile.Code != 0)
            {
                log.WriteLine("erlc failed (is Debian's erlang installed? apt-get install erlang-base erlang-dev): " + compile.Output);
                return null;
            }

            var run = await RunAsync("erl", ["+P", "5000000", "-noshell", "-pa", ebin, "-run", "trellis_bench", "main",
                sizes.Spawns.ToString(CultureInfo.InvariantCulture), sizes.Children.ToString(CultureInfo.InvariantCulture),
                sizes.Crashes.ToString(CultureInfo.InvariantCulture), sizes.Calls.ToString(CultureInfo.InvariantCulture)]);
            if (run.Code != 0)
            {
                log.WriteLine("the Erlang benchmark failed: " + run.Output);
                return null;
            }

            // A figure printed more than once (a workload run several times) counts as its median.
            var results = new Results();
            foreach (var line in run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = line.Trim().Split(' ');
                if (parts.Length == 2 && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                {
                    results.Add(parts[0], value);
                }
            }

            return results.Medians();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            log.WriteLine("Erlang is not installed (" + ex.Message + "); install Debian's erlang-base and erlang-dev to compare.");
            return null;
        }
        finally
        {
            Directory.Delete(ebin, recursive: true);
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, string[] args)
    {
        // A benchmark helper, not a supervised child: System.Diagnostics.Process is fine here.
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }
}
