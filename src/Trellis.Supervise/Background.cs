using System.Text;
using Trellis.OsProcess;

namespace Trellis.Supervise;

/// <summary>
/// Like the seed's tool, supervise returns to the shell and keeps running in the background: it starts a copy of
/// itself in a new session with <c>--report-ready</c> and waits for that copy to say it holds the lock and runs
/// (or why it could not), so a refused lock or a bad directory still gives the right exit code here.
/// </summary>
internal static class Background
{
    public const string ReadyLine = "ready";

    public static int Start(string[] args)
    {
        var self = Environment.ProcessPath ?? "supervise";
        var argv = new List<string>();
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            argv.Add(Path.Combine(AppContext.BaseDirectory, "supervise.dll"));
        }

        argv.AddRange(args);
        argv.Add("--report-ready");
        var spec = new ProgramSpec
        {
            FileName = self,
            Arguments = argv,
            StandardOutput = OutputTarget.Lines(static _ => { }),
            // The background copy reports through the pipe; it must hold nothing of this terminal's, or a caller
            // reading this command's output to its end would wait for the daemon.
            StandardError = OutputTarget.Null,
            KillGroupOnExit = false,
        };
        using var copy = DetachedProgram.Start(spec, out var failure);
        if (copy is null)
        {
            Console.Error.WriteLine("supervise: unable to start in the background: " + failure!.Message);
            return ExitCodes.Temporary;
        }

        string? line;
        using (var reader = new StreamReader(copy.StandardOutput, Encoding.UTF8, leaveOpen: true))
        {
            line = reader.ReadLine();
        }

        if (line == ReadyLine)
        {
            return ExitCodes.Ok;
        }

        if (line is not null && line.Length > 4 && int.TryParse(line.AsSpan(0, 3), out var code))
        {
            Console.Error.WriteLine("supervise: " + line[4..]);
            return code;
        }

        var status = copy.WaitForExit();
        Console.Error.WriteLine($"supervise: the background supervise ended before it was ready (wait status {status})");
        return ExitCodes.Temporary;
    }
}
