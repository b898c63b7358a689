using System.Text.Json;

namespace Trellis.Daemon.Cli;

/// <summary>Names of the running tree's nodes, for shell completion: asked of the daemon, with a short deadline.</summary>
internal static class NodeNames
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(2);

    public static IEnumerable<string> Complete(string socket, string? prefix)
    {
        try
        {
            using var client = new DaemonClient(socket);
            using var cancel = new CancellationTokenSource(Deadline);
            var (status, body) = client.GetAsync("api/status", cancel.Token).GetAwaiter().GetResult();
            if (status != 200 || body.ValueKind != JsonValueKind.Object)
            {
                return [];
            }

            return body.GetProperty("nodes").EnumerateArray()
                .Select(n => n.GetProperty("node").GetProperty("name").GetString()!)
                .Where(n => prefix is null || n.StartsWith(prefix, StringComparison.Ordinal))
                .ToList();
        }
        catch (Exception ex) when (ex is NoDaemonException or OperationCanceledException or HttpRequestException or JsonException)
        {
            // No daemon, or one that does not let us in: nothing to offer, and nothing to print into the shell.
            return [];
        }
    }
}
