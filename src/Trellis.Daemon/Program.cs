using Trellis.Daemon.Cli;
using Trellis.Daemon.Config;
using Trellis.Daemon.Runtime;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace Trellis.Daemon;

/// <summary>The <c>trellis</c> command.</summary>
internal static class Program
{
    private const string Usage = """
        usage: trellis up FILE [--socket PATH] [--port N] [--no-dashboard]
               trellis check FILE
               trellis [ctl] status [--json]
               trellis [ctl] tree [--json]
               trellis [ctl] start|stop|restart|kill NAME
               trellis [ctl] signal NAME SIGNAL
               trellis [ctl] logs NAME [-n LINES] [-f]
               trellis [ctl] reload [FILE]
        Client commands take --socket PATH; the default is $TRELLIS_SOCKET, else
        $XDG_RUNTIME_DIR/trellis/trellis.sock, else /tmp/trellis-$UID/trellis.sock.
        Exit codes: 0 done, 1 failed, 2 usage, 3 no daemon, 4 no such node, 5 bad tree file, 6 already running.
        """;

    public static async Task<int> Main(string[] argv)
    {
        var args = argv.ToList();
        if (args.Count > 0 && args[0] == "ctl")
        {
            args.RemoveAt(0);
        }

        if (args.Count == 0 || args[0] is "help" or "-h" or "--help")
        {
            (args.Count == 0 ? Console.Error : Console.Out).WriteLine(Usage);
            return args.Count == 0 ? ExitCodes.Usage : ExitCodes.Ok;
        }

        var command = args[0];
        if (command == "up")
        {
            GcBudget.EnsureForDaemon();
        }

        var rest = new Arguments(command, args.Skip(1));
        try
        {
            return command switch
            {
                "up" => await UpCommand.RunAsync(rest).ConfigureAwait(false),
                "check" => Check(rest),
                "status" or "tree" or "start" or "stop" or "restart" or "kill" or "signal" or "logs" or "reload"
                    => await CtlCommand.RunAsync(command, rest).ConfigureAwait(false),
                _ => throw new UsageException($"unknown command '{command}'"),
            };
        }
        catch (UsageException ex)
        {
            Console.Error.WriteLine("trellis: " + ex.Message);
            Console.Error.WriteLine(Usage);
            return ExitCodes.Usage;
        }
        catch (NoDaemonException ex)
        {
            Console.Error.WriteLine("trellis: " + ex.Message);
            return ExitCodes.NoDaemon;
        }
    }

    private static int Check(Arguments args)
    {
        var file = args.Positional(0, "the tree file (YAML)");
        args.EnsureDone();
        var (config, errors) = TreeFileParser.Load(file);
        if (config is null)
        {
            foreach (var e in errors)
            {
                Console.Error.WriteLine(e);
            }

            return ExitCodes.BadTree;
        }

        var nodes = config.AllNodes().ToList();
        Console.WriteLine($"{config.File}: tree '{config.Root.Name}' with {nodes.Count} nodes is valid");
        return ExitCodes.Ok;
    }
}
