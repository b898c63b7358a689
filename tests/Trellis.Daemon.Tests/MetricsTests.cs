using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace Trellis.Daemon.Tests;

/// <summary>/metrics: Prometheus text from OpenTelemetry's exporter, behind the API's access rules.</summary>
public sealed class MetricsTests
{
    private static double Value(string text, string series)
    {
        var line = text.Split('\n').SingleOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        Assert.True(line is not null, $"no series {series} in:\n{text}");
        return double.Parse(line![(series.Length + 1)..].Split(' ')[0], CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Metrics_need_the_token_and_show_each_service_and_supervisor()
    {
        await using var d = await DaemonProcess.StartAsync("""
            name: metered
            children:
              - service: web
                command: [sh, -c, 'sleep 1000 & exec sleep 1000']
              - supervisor: jobs
                children:
                  - service: once
                    restart: temporary
                    command: [sh, -c, 'exit 3']
            """);
        await d.WaitForAsync(async () => (await d.NodeAsync("once")).GetProperty("status").GetString() == "crashed", "once's exit");
        var token = File.ReadAllText(Path.Combine(d.StateDir, "dashboard.token")).Trim();
        var root = File.ReadAllText(Path.Combine(d.StateDir, "dashboard.url")).Trim();
        using var http = new HttpClient { Timeout = DaemonProcess.Deadline };

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri(root + "metrics"))).StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Get, root + "metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.MediaType, StringComparison.Ordinal);
        var text = await response.Content.ReadAsStringAsync();

        const string web = "otel_scope_name=\"Trellis.Daemon\",trellis_service_kind=\"service\",trellis_service_name=\"web\"";
        const string once = "otel_scope_name=\"Trellis.Daemon\",trellis_service_kind=\"service\",trellis_service_name=\"once\"";
        Assert.Equal(1, Value(text, "trellis_service_up{" + web + "}"));
        Assert.Equal(0, Value(text, "trellis_service_up{" + once + "}"));
        Assert.Equal(1, Value(text, "trellis_service_exits_total{otel_scope_name=\"Trellis.Daemon\",trellis_exit_kind=\"exit_code\",trellis_service_kind=\"service\",trellis_service_name=\"once\"}"));
        Assert.Equal(0, Value(text, "trellis_service_restarts_total{" + web + "}"));
        Assert.True(Value(text, "trellis_service_memory_usage_bytes{" + web + "}") > 0);
        Assert.Equal(2, Value(text, "trellis_service_process_count{" + web + "}"));
        Assert.True(Value(text, "trellis_service_cpu_time_seconds_total{" + web + "}") >= 0);
        Assert.Equal(1, Value(text, "trellis_tree_supervisor_children{otel_scope_name=\"Trellis.Daemon\",trellis_child_state=\"inactive\",trellis_supervisor_name=\"jobs\"}"));
        Assert.Equal(2, Value(text, "trellis_tree_supervisor_children{otel_scope_name=\"Trellis.Daemon\",trellis_child_state=\"active\",trellis_supervisor_name=\"metered\"}"));

        // The library's meter comes too: its live processes and exits by kind.
        Assert.Matches(new Regex("^trellis_process_count\\{otel_scope_name=\"Trellis\",trellis_node=\"[^\"]+\"\\} \\d+", RegexOptions.Multiline), text);
        Assert.Matches(new Regex("^# TYPE trellis_service_cpu_time_seconds_total counter", RegexOptions.Multiline), text);
    }
}
