using Trellis.Daemon.Config;
using Trellis.Daemon.Runtime;

namespace Trellis.Daemon.Cli;

/// <summary><c>trellis check FILE</c>: reads and validates a tree file; starts nothing.</summary>
internal static class CheckCommand
{
    public static int Run(string file)
    {
        var (config, errors) = CommandCheck.LoadRunnable(file);
        if (config is null)
        {
            PrintErrors(errors);
            return ExitCodes.BadTree;
        }

        var nodes = config.AllNodes().ToList();
        Console.WriteLine($"{config.File}: tree '{config.Root.Name}' with {nodes.Count} nodes is valid");
        return ExitCodes.Ok;
    }

    /// <summary>Each error on its own line of standard error, as <c>file:line:column: message</c>.</summary>
    public static void PrintErrors(IEnumerable<ConfigError> errors)
    {
        foreach (var e in errors)
        {
            Console.Error.WriteLine(e);
        }
    }
}
