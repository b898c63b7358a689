using System.CommandLine;
using System.CommandLine.Invocation;
using Trellis.Daemon.Runtime;

namespace Trellis.Daemon.Cli;

/// <summary>The <c>trellis</c> command's body, shared by the native client and the daemon's own binary.</summary>
internal static class CommandLineMain
{
    /// <summary>Parses and runs <paramref name="argv"/>; <paramref name="beforeUp"/> runs first for <c>trellis up</c>.</summary>
    public static async Task<int> RunAsync(string[] argv, IDaemonCommands daemon, Action? beforeUp = null)
    {
        // `trellis ctl status` is the older spelling of `trellis status`.
        var args = argv is ["ctl", .. var rest] ? rest : argv;
        var root = TrellisCommandLine.Build(daemon);
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
            beforeUp?.Invoke();
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
