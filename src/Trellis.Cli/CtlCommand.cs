using System.Globalization;
using System.Text;
using System.Text.Json;
using Trellis.Daemon.Config;
using Trellis.Daemon.Runtime;

namespace Trellis.Daemon.Cli;

/// <summary>The client commands: status, tree, start, stop, restart, kill, signal, logs, reload, dashboard.</summary>
internal static class CtlCommand
{
    private static readonly string[] Header = ["NAME", "KIND", "STATUS", "PID", "UPTIME", "CPU", "RSS", "RESTARTS", "LAST EXIT"];

    private static readonly string[] NodesHeader = ["NODE", "STATE", "LEASE", "ADDRESS", "SERVICES"];

    /// <summary>
    /// The named nodes and their subtrees (all when none are named). The exit code follows systemctl's: 0 when every
    /// node shown is running, 3 when one is not (or no daemon runs), 4 when a name is unknown.
    /// </summary>
    public static async Task<int> StatusAsync(string socket, IReadOnlyList<string> names, bool json, CancellationToken cancel)
    {
        using var client = new DaemonClient(socket);
        var (status, body) = await client.GetAsync("api/status", cancel).ConfigureAwait(false);
        if (status != 200)
        {
            return Print((status, body));
        }

        var rows = body.GetProperty("nodes").EnumerateArray().ToList();
        var unknown = names.Where(n => !rows.Any(r => NameOf(r) == n)).ToList();
        foreach (var n in unknown)
        {
            Console.Error.WriteLine($"trellis: no node named '{n}' in the tree (see `trellis status`)");
        }

        var shown = names.Count == 0 ? rows : rows.Where(r => names.Any(n => IsAtOrUnder(rows, r, n))).ToList();
        if (json)
        {
            Console.WriteLine(names.Count == 0 ? body.GetRawText() : Selected(body, shown));
        }
        else if (shown.Count > 0)
        {
            Console.WriteLine(StatusTable(shown, Colors.ForConsole(json)));
        }

        if (unknown.Count > 0)
        {
            return ExitCodes.NoSuchNode;
        }

        return shown.All(r => r.GetProperty("node").GetProperty("status").GetString() == "running") ? ExitCodes.Ok : ExitCodes.NotRunning;
    }

    public static async Task<int> TreeAsync(string socket, bool json, CancellationToken cancel)
    {
        using var client = new DaemonClient(socket);
        var (status, body) = await client.GetAsync("api/tree", cancel).ConfigureAwait(false);
        if (status != 200)
        {
            return Print((status, body));
        }

        Console.WriteLine(json ? body.GetRawText() : TreeText(body, Colors.ForConsole(json)));
        return ExitCodes.Ok;
    }

    /// <summary>start, stop, restart or kill of each name in turn; the exit code is the first failure's, else 0.</summary>
    public static async Task<int> NodeActionAsync(string socket, string action, IReadOnlyList<string> names, CancellationToken cancel)
    {
        using var client = new DaemonClient(socket);
        var code = ExitCodes.Ok;
        foreach (var name in names)
        {
            var result = Print(await client.PostAsync($"api/nodes/{Uri.EscapeDataString(name)}/{action}", cancel).ConfigureAwait(false));
            code = code == ExitCodes.Ok ? result : code;
        }

        return code;
    }

    public static async Task<int> SignalAsync(string socket, string name, string signal, CancellationToken cancel)
    {
        using var client = new DaemonClient(socket);
        return Print(await client.PostAsync($"api/nodes/{Uri.EscapeDataString(name)}/signal/{Uri.EscapeDataString(signal)}", cancel).ConfigureAwait(false));
    }

    public static async Task<int> ReloadAsync(string socket, string? file, CancellationToken cancel)
    {
        using var client = new DaemonClient(socket);
        var query = file is null ? string.Empty : "?file=" + Uri.EscapeDataString(Path.GetFullPath(file));
        return Print(await client.PostAsync("api/reload" + query, cancel).ConfigureAwait(false));
    }

    public static async Task<int> DashboardAsync(string socket, CancellationToken cancel)
    {
        using var client = new DaemonClient(socket);
        var (status, body) = await client.GetAsync("api/dashboard", cancel).ConfigureAwait(false);
        if (status != 200)
        {
            return Print((status, body));
        }

        if (!body.TryGetProperty("url", out var url) || url.ValueKind != JsonValueKind.String)
        {
            Console.Error.WriteLine("trellis: this daemon runs without a dashboard (dashboard: off, or --no-dashboard)");
            return ExitCodes.Failed;
        }

        Console.WriteLine(body.TryGetProperty("link", out var link) && link.ValueKind == JsonValueKind.String ? link.GetString() : url.GetString());
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Lines of one node, of a supervisor's subtree, of every node (each line then prefixed with its node), or with
    /// <paramref name="daemon"/> of the daemon's own log, the last <paramref name="lines"/> of them since
    /// <paramref name="since"/>; with <paramref name="follow"/>, then every new line until Ctrl-C.
    /// </summary>
    public static async Task<int> LogsAsync(
        string socket, string? name, bool daemon, int lines, bool follow, DateTimeOffset? since, bool json, CancellationToken cancel)
    {
        using var client = new DaemonClient(socket);
        var colors = Colors.ForConsole(json);
        var path = daemon ? "api/daemon/logs" : name is null ? "api/logs" : $"api/nodes/{Uri.EscapeDataString(name)}/logs";
        var query = $"?lines={lines}" + (since is { } t ? "&since=" + Uri.EscapeDataString(t.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)) : string.Empty);
        if (!follow)
        {
            var (status, body) = await client.GetAsync(path + query, cancel).ConfigureAwait(false);
            if (status != 200)
            {
                return Print((status, body));
            }

            foreach (var line in body.EnumerateArray())
            {
                Console.WriteLine(json ? line.GetRawText() : LogText(line, name, daemon, colors));
            }

            return ExitCodes.Ok;
        }

        try
        {
            using var response = await client.StreamAsync(path + "/follow" + query, cancel).ConfigureAwait(false);
            if ((int)response.StatusCode != 200)
            {
                var text = await response.Content.ReadAsStringAsync(cancel).ConfigureAwait(false);
                return Print(((int)response.StatusCode, JsonDocument.Parse(text).RootElement));
            }

            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel).ConfigureAwait(false), Encoding.UTF8);
            while (await reader.ReadLineAsync(cancel).ConfigureAwait(false) is { } text)
            {
                Console.WriteLine(json ? text : LogText(JsonDocument.Parse(text).RootElement, name, daemon, colors));
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
        }

        return ExitCodes.Ok;
    }

    /// <summary>The status body with only the rows shown, written by hand so the native client needs no reflection.</summary>
    private static string Selected(JsonElement body, List<JsonElement> shown)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("name", body.GetProperty("name").GetString());
            w.WriteNumber("seq", body.GetProperty("seq").GetInt64());
            w.WriteStartArray("nodes");
            foreach (var row in shown)
            {
                row.WriteTo(w);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string NameOf(JsonElement row) => row.GetProperty("node").GetProperty("name").GetString()!;

    // Whether the status row is the node named, or below it (rows carry their parent's name).
    private static bool IsAtOrUnder(List<JsonElement> rows, JsonElement row, string name)
    {
        for (JsonElement? r = row; r is { } current;)
        {
            if (NameOf(current) == name)
            {
                return true;
            }

            r = current.TryGetProperty("parent", out var parent) && parent.ValueKind == JsonValueKind.String
                ? rows.FirstOrDefault(x => NameOf(x) == parent.GetString())
                : null;
        }

        return false;
    }

    // Lines of one node stand alone; lines of several carry their node's name in front.
    private static string LogText(JsonElement line, string? name, bool daemon, Colors colors)
    {
        var time = line.GetProperty("time").GetDateTimeOffset().ToLocalTime().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
        var stream = line.GetProperty("stream").GetString()!;
        var node = line.TryGetProperty("node", out var n) ? n.GetString()! : name ?? string.Empty;
        var prefix = node == name || daemon ? string.Empty : colors.Node(node, node) + " | ";
        return $"{time} {prefix}{colors.Stream(stream, stream.PadRight(7))} {line.GetProperty("text").GetString()}";
    }

    private static int Print((int Status, JsonElement Body) response)
    {
        var (status, body) = response;
        var message = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("message", out var m) ? m.GetString() : body.GetRawText();
        var code = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("code", out var c) ? c.GetInt32() : status == 200 ? 0 : ExitCodes.Failed;
        (code == ExitCodes.Ok ? Console.Out : Console.Error).WriteLine(code == ExitCodes.Ok ? message : "trellis: " + message);
        return code;
    }

    private static string StatusTable(List<JsonElement> nodes, Colors colors)
    {
        // In cluster mode a NODE column says where each runs (a cluster service may run on another daemon's node).
        var clustered = nodes.Any(r => r.GetProperty("node").TryGetProperty("node", out _));
        var header = clustered ? [.. Header[..3], "NODE", .. Header[3..]] : Header;
        var rows = new List<string[]> { header };
        var statuses = new List<string> { string.Empty };
        var minDepth = nodes.Min(r => r.GetProperty("depth").GetInt32());
        foreach (var row in nodes)
        {
            var n = row.GetProperty("node");
            var depth = row.GetProperty("depth").GetInt32() - minDepth;
            statuses.Add(n.GetProperty("status").GetString()!);
            rows.Add(
            [
                new string(' ', depth * 2) + n.GetProperty("name").GetString(),
                n.GetProperty("kind").GetString()!,
                n.GetProperty("status").GetString() + (n.TryGetProperty("paused", out var p) && p.GetBoolean() ? " (paused)" : string.Empty),
                .. clustered ? new[] { n.TryGetProperty("node", out var at) ? at.GetString()! : "-" } : [],
                n.TryGetProperty("os_pid", out var os) ? os.GetInt32().ToString(CultureInfo.InvariantCulture) : n.TryGetProperty("pid", out var pid) ? pid.GetString()! : "-",
                n.TryGetProperty("uptime_seconds", out var up) ? Uptime(up.GetDouble()) : "-",
                n.TryGetProperty("resources", out var res) ? res.GetProperty("cpu_percent").GetDouble().ToString("0.0", CultureInfo.InvariantCulture) + "%" : "-",
                n.TryGetProperty("resources", out res) ? Units.Size(res.GetProperty("rss_bytes").GetInt64()) : "-",
                n.GetProperty("restarts").GetInt32().ToString(CultureInfo.InvariantCulture),
                n.TryGetProperty("last_exit", out var le) ? le.GetString()! : "-",
            ]);
        }

        return Table(rows, colors, (k, i, padded) => i == 2 && k > 0 ? colors.Status(statuses[k], padded) : padded);
    }

    /// <summary>Columns padded to their widest cell, the header bold; <paramref name="paint"/> colours a cell (row, column, text).</summary>
    private static string Table(List<string[]> rows, Colors colors, Func<int, int, string, string> paint)
    {
        var columns = rows[0].Length;
        var widths = Enumerable.Range(0, columns).Select(i => rows.Max(r => r[i].Length)).ToArray();
        return string.Join(Environment.NewLine, rows.Select((r, k) => string.Join("  ", r.Select((cell, i) =>
        {
            var padded = i == columns - 1 ? cell : cell.PadRight(widths[i]);
            return k == 0 ? colors.Bold(padded) : paint(k, i, padded);
        })).TrimEnd()));
    }

    /// <summary><c>trellis nodes</c>: the cluster's members by their leases, and the cluster services each runs.</summary>
    public static async Task<int> NodesAsync(string socket, bool json, CancellationToken cancel)
    {
        using var client = new DaemonClient(socket);
        var (status, body) = await client.GetAsync("api/cluster", cancel).ConfigureAwait(false);
        if (status == 404 && body.ValueKind == JsonValueKind.Object && body.TryGetProperty("error", out var alone))
        {
            Console.Error.WriteLine("trellis: " + alone.GetString());
            return ExitCodes.Failed;
        }

        if (status != 200)
        {
            return Print((status, body));
        }

        if (json)
        {
            Console.WriteLine(body.GetRawText());
            return ExitCodes.Ok;
        }

        var colors = Colors.ForConsole(json);
        var rows = new List<string[]> { NodesHeader };
        foreach (var m in body.GetProperty("members").EnumerateArray())
        {
            var services = m.GetProperty("services").EnumerateArray().Select(s => s.GetString()!).ToList();
            rows.Add(
            [
                m.GetProperty("name").GetString() + (m.GetProperty("self").GetBoolean() ? " (this)" : string.Empty),
                m.GetProperty("state").GetString()!,
                m.GetProperty("lease").GetString()!,
                m.GetProperty("address").GetString()!,
                services.Count == 0 ? "-" : string.Join(", ", services),
            ]);
        }

        Console.WriteLine(Table(rows, colors, (k, i, padded) => i == 1 ? colors.Status(rows[k][1] == "alive" ? "running" : "failed", padded) : padded));
        var waiting = body.GetProperty("waiting").EnumerateArray().Select(s => s.GetString()!).ToList();
        if (waiting.Count > 0)
        {
            Console.WriteLine($"waiting for a node: {string.Join(", ", waiting)}");
        }

        return ExitCodes.Ok;
    }

    private static string TreeText(JsonElement body, Colors colors)
    {
        var sb = new StringBuilder();
        Write(body.GetProperty("root"), string.Empty, string.Empty);
        return sb.ToString().TrimEnd();

        void Write(JsonElement n, string lead, string childLead)
        {
            sb.Append(lead).Append(n.GetProperty("name").GetString());
            if (n.TryGetProperty("strategy", out var st))
            {
                sb.Append(" (").Append(st.GetString()).Append(')');
            }

            var status = n.GetProperty("status").GetString()!;
            sb.Append("  ").Append(colors.Status(status, status));
            if (n.TryGetProperty("os_pid", out var os))
            {
                sb.Append("  pid ").Append(os.GetInt32());
            }
            else if (n.TryGetProperty("pid", out var pid))
            {
                sb.Append("  ").Append(pid.GetString());
            }

            if (n.TryGetProperty("uptime_seconds", out var up))
            {
                sb.Append("  up ").Append(Uptime(up.GetDouble()));
            }

            sb.Append("  restarts ").Append(n.GetProperty("restarts").GetInt32());
            if (n.TryGetProperty("last_exit", out var le))
            {
                sb.Append("  last: ").Append(le.GetString());
            }

            sb.AppendLine();
            if (n.TryGetProperty("children", out var children))
            {
                var list = children.EnumerateArray().ToList();
                for (var i = 0; i < list.Count; i++)
                {
                    var last = i == list.Count - 1;
                    Write(list[i], childLead + (last ? "└─ " : "├─ "), childLead + (last ? "   " : "│  "));
                }
            }
        }
    }

    private static string Uptime(double seconds) => seconds switch
    {
        < 60 => $"{seconds:0}s",
        < 3600 => $"{(int)(seconds / 60)}m{(int)(seconds % 60):00}s",
        < 86400 => $"{(int)(seconds / 3600)}h{(int)(seconds % 3600 / 60):00}m",
        _ => $"{(int)(seconds / 86400)}d{(int)(seconds % 86400 / 3600):00}h",
    };
}
