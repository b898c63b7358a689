using Trellis.Daemon.Config;
using Trellis.Daemon.Runtime;

namespace Trellis.Daemon.Cli;

/// <summary><c>trellis check FILE</c>: reads and validates a tree file; starts nothing.</summary>
internal static class CheckCommand
{
    public static int Run(string file)
    {
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
