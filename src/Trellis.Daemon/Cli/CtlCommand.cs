using System.Globalization;
using System.Text;
using System.Text.Json;
using Trellis.Daemon.Runtime;

namespace Trellis.Daemon.Cli;

/// <summary>The client commands: status, tree, start, stop, restart, kill, signal, logs, reload.</summary>
internal static class CtlCommand
{
    private static readonly string[] Header = ["NAME", "KIND", "STATUS", "PID", "UPTIME", "RESTARTS", "LAST EXIT"];

    public static async Task<int> RunAsync(string command, Arguments args)
    {
        var socket = args.Option("--socket") is { } s ? Path.GetFullPath(s) : SocketPath.Default();
        using var client = new DaemonClient(socket);
        switch (command)
        {
            case "status":
            {
                var json = args.Flag("--json");
                args.EnsureDone(0);
                var (_, body) = await client.GetAsync("api/status").ConfigureAwait(false);
                Console.WriteLine(json ? body.GetRawText() : StatusTable(body));
                return ExitCodes.Ok;
            }

            case "tree":
            {
                var json = args.Flag("--json");
                args.EnsureDone(0);
                var (_, body) = await client.GetAsync("api/tree").ConfigureAwait(false);
                Console.WriteLine(json ? body.GetRawText() : TreeText(body));
                return ExitCodes.Ok;
            }

            case "start" or "stop" or "restart" or "kill":
            {
                var name = args.Positional(0, "the name of a node");
                args.EnsureDone();
                return Print(await client.PostAsync($"api/nodes/{Uri.EscapeDataString(name)}/{command}").ConfigureAwait(false));
            }

            case "signal":
            {
                var name = args.Positional(0, "the name of a service");
                var signal = args.Positional(1, "a signal (HUP, USR1, TERM, 15...)");
                args.EnsureDone(2);
                if (!OsProcess.Signals.TryParse(signal, out _))
                {
                    throw new UsageException($"signal: '{signal}' is not a signal (write HUP, SIGHUP or 1)");
                }

                return Print(await client.PostAsync($"api/nodes/{Uri.EscapeDataString(name)}/signal/{Uri.EscapeDataString(signal)}").ConfigureAwait(false));
            }

            case "reload":
            {
                var file = args.OptionalPositional(0);
                args.EnsureDone(file is null ? 0 : 1);
                var query = file is null ? string.Empty : "?file=" + Uri.EscapeDataString(Path.GetFullPath(file));
                return Print(await client.PostAsync("api/reload" + query).ConfigureAwait(false));
            }

            case "logs":
                return await LogsAsync(client, args).ConfigureAwait(false);
            default:
                throw new UsageException($"unknown command '{command}'");
        }
    }

    private static async Task<int> LogsAsync(DaemonClient client, Arguments args)
    {
        var name = args.Positional(0, "the name of a service");
        var linesText = args.Option("-n", "--lines");
        var follow = args.Flag("-f", "--follow");
        args.EnsureDone();
        var lines = 50;
        if (linesText is not null && (!int.TryParse(linesText, NumberStyles.None, CultureInfo.InvariantCulture, out lines) || lines < 1))
        {
            throw new UsageException($"logs: -n must be a positive number, not '{linesText}'");
        }

        var node = Uri.EscapeDataString(name);
        if (!follow)
        {
            var (status, body) = await client.GetAsync($"api/nodes/{node}/logs?lines={lines}").ConfigureAwait(false);
            if (status != 200)
            {
                return Print((status, body));
            }

            foreach (var line in body.EnumerateArray())
            {
                Console.WriteLine(LogText(line));
            }

            return ExitCodes.Ok;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        try
        {
            using var response = await client.StreamAsync($"api/nodes/{node}/logs/follow?lines={lines}", cancel.Token).ConfigureAwait(false);
            if ((int)response.StatusCode != 200)
            {
                var text = await response.Content.ReadAsStringAsync(cancel.Token).ConfigureAwait(false);
                return Print(((int)response.StatusCode, JsonDocument.Parse(text).RootElement));
            }

            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token).ConfigureAwait(false), Encoding.UTF8);
            while (await reader.ReadLineAsync(cancel.Token).ConfigureAwait(false) is { } json)
            {
                Console.WriteLine(LogText(JsonDocument.Parse(json).RootElement));
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
        }

        return ExitCodes.Ok;
    }

    private static string LogText(JsonElement line)
    {
        var time = line.GetProperty("time").GetDateTimeOffset().ToLocalTime().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
        var stream = line.GetProperty("stream").GetString();
        return $"{time} {stream,-7} {line.GetProperty("text").GetString()}";
    }

    private static int Print((int Status, JsonElement Body) response)
    {
        var (status, body) = response;
        var message = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("message", out var m) ? m.GetString() : body.GetRawText();
        var code = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("code", out var c) ? c.GetInt32() : status == 200 ? 0 : ExitCodes.Failed;
        (code == ExitCodes.Ok ? Console.Out : Console.Error).WriteLine(code == ExitCodes.Ok ? message : "trellis: " + message);
        return code;
    }

    private static string StatusTable(JsonElement body)
    {
        var rows = new List<string[]> { Header };
        foreach (var row in body.GetProperty("nodes").EnumerateArray())
        {
            var n = row.GetProperty("node");
            var depth = row.GetProperty("depth").GetInt32();
            rows.Add(
            [
                new string(' ', depth * 2) + n.GetProperty("name").GetString(),
                n.GetProperty("kind").GetString()!,
                n.GetProperty("status").GetString() + (n.TryGetProperty("paused", out var p) && p.GetBoolean() ? " (paused)" : string.Empty),
                n.TryGetProperty("os_pid", out var os) ? os.GetInt32().ToString(CultureInfo.InvariantCulture) : n.TryGetProperty("pid", out var pid) ? pid.GetString()! : "-",
                n.TryGetProperty("uptime_seconds", out var up) ? Uptime(up.GetDouble()) : "-",
                n.GetProperty("restarts").GetInt32().ToString(CultureInfo.InvariantCulture),
                n.TryGetProperty("last_exit", out var le) ? le.GetString()! : "-",
            ]);
        }

        var widths = Enumerable.Range(0, 7).Select(i => rows.Max(r => r[i].Length)).ToArray();
        return string.Join(Environment.NewLine, rows.Select(r => string.Join("  ", r.Select((cell, i) => i == 6 ? cell : cell.PadRight(widths[i]))).TrimEnd()));
    }

    private static string TreeText(JsonElement body)
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

            sb.Append("  ").Append(n.GetProperty("status").GetString());
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
