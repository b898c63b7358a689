using Trellis.Daemon.Config;
using Trellis.Daemon.Runtime;

namespace Trellis.Daemon.Cli;

/// <summary><c>trellis check FILE</c>: reads and validates a tree file; starts nothing.</summary>
internal static class CheckCommand
{
    public static int Run(string file)
    {
        var (config, errors) = TreeFileParser.Load(file);
        if (config is not null && CommandCheck.Find(config) is { Count: > 0 } missing)
        {
            (config, errors) = (null, missing);
        }

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
