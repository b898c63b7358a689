using System.CommandLine;
using System.CommandLine.Invocation;
using Trellis.Daemon.Cli;
using Trellis.Daemon.Runtime;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace Trellis.Daemon;

/// <summary>The <c>trellis</c> command.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] argv)
    {
        // `trellis ctl status` is the older spelling of `trellis status`.
        var args = argv is ["ctl", .. var rest] ? rest : argv;
        var root = TrellisCommandLine.Build();
        var parse = root.Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            foreach (var error in parse.Errors)
            {
                Console.Error.WriteLine("trellis: " + error.Message);
            }

            var command = parse.CommandResult.Command;
            Console.Error.WriteLine($"see `{(command == root ? "trellis" : "trellis " + command.Name)} --help`");
            return ExitCodes.Usage;
        }

        if (parse.CommandResult.Command.Name == "up" && parse.Action is not System.CommandLine.Help.HelpAction)
        {
            // Re-executes with the daemon's GC settings (parsing has had no effect to undo).
            GcBudget.EnsureForDaemon();
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
        }
        catch (UsageException ex)
        {
            Console.Error.WriteLine("trellis: " + ex.Message);
            return ExitCodes.Usage;
        }
        catch (NoDaemonException ex)
        {
            Console.Error.WriteLine("trellis: " + ex.Message);
            return ex.Code;
        }
    }
}
