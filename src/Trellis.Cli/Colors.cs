namespace Trellis.Daemon.Cli;

/// <summary>
/// Colour for the CLI's tables and log lines: only when standard output is a terminal, never with <c>NO_COLOR</c>
/// set (no-color.org), <c>TERM=dumb</c>, or <c>--json</c>.
/// </summary>
internal sealed class Colors(bool enabled)
{
    public bool Enabled { get; } = enabled;

    public static Colors ForConsole(bool json) => new(
        !json
        && !Console.IsOutputRedirected
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
        && Environment.GetEnvironmentVariable("TERM") != "dumb");

    /// <summary>A node's status: green running, yellow on its way, red down by failure, dim stopped or done.</summary>
    public string Status(string status, string text) => Paint(status switch
    {
        "running" => "32",
        "starting" or "backoff" or "pending" => "33",
        "crashed" or "failed" => "31",
        _ => "2",
    }, text);

    /// <summary>A log line's stream: stderr red, the daemon's own notes cyan.</summary>
    public string Stream(string stream, string text) => Paint(stream switch
    {
        "stderr" => "31",
        "trellis" => "36",
        _ => "2",
    }, text);

    /// <summary>The node name in front of an interleaved log line: one of six colours, the same for the same name.</summary>
    public string Node(string node, string text)
    {
        var hash = 0;
        foreach (var c in node)
        {
            hash = unchecked((hash * 31) + c);
        }

        return Paint(((uint)hash % 6 + 91).ToString(System.Globalization.CultureInfo.InvariantCulture), text);
    }

    public string Bold(string text) => Paint("1", text);

    private string Paint(string code, string text) => Enabled ? $"\u001b[{code}m{text}\u001b[0m" : text;
}
