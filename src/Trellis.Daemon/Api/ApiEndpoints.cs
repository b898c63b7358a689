using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Trellis.Daemon.Config;
using Trellis.Daemon.Runtime;
using Trellis.OsProcess;

namespace Trellis.Daemon.Api;

/// <summary>
/// The JSON API, shared by the dashboard, the <c>trellis</c> CLI (over the Unix socket) and scripts. Documented in
/// docs/api.md.
/// </summary>
internal static class ApiEndpoints
{
    private static readonly TimeSpan StreamCoalesce = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan StreamRefresh = TimeSpan.FromSeconds(1);

    public static void Map(IEndpointRouteBuilder app, ServiceTree tree, Func<string?, Task<CommandResult>> reload)
    {
        app.MapGet("/", () => Results.Content(Dashboard.Html, "text/html; charset=utf-8"));
        app.MapGet("/api/tree", () => Results.Json(TreeBody(tree), Json.Options));
        app.MapGet("/api/status", () => Results.Json(StatusBody(tree), Json.Options));
        app.MapGet("/api/nodes/{name}", (string name) =>
            tree.Find(name) is { } n ? Results.Json(View(tree, n, withChildren: true), Json.Options) : NotFound(name));
        app.MapPost("/api/nodes/{name}/start", (string name) => Run(tree.StartNodeAsync(name)));
        app.MapPost("/api/nodes/{name}/stop", (string name) => Run(tree.StopNodeAsync(name)));
        app.MapPost("/api/nodes/{name}/restart", (string name) => Run(tree.RestartNodeAsync(name)));
        app.MapPost("/api/nodes/{name}/kill", (string name) => Run(tree.KillNodeAsync(name)));
        app.MapPost("/api/nodes/{name}/signal/{signal}", (string name, string signal) =>
            Signals.TryParse(signal, out var sig)
                ? Run(tree.SignalNodeAsync(name, sig))
                : Task.FromResult(Results.Json(new { ok = false, code = ExitCodes.Usage, message = $"'{signal}' is not a signal (write TERM, SIGTERM or 15)" }, Json.Options, statusCode: 400)));
        app.MapGet("/api/nodes/{name}/logs", (string name, int? lines) =>
            tree.Find(name) is { Log: { } log }
                ? Results.Json(log.Tail(Math.Clamp(lines ?? 50, 1, Logs.ServiceLog.RecentLines)), Json.Options)
                : tree.Find(name) is null ? NotFound(name) : Results.Json(Array.Empty<object>(), Json.Options));
        app.MapGet("/api/nodes/{name}/logs/follow", FollowLogsAsync(tree));
        app.MapGet("/api/events", async (long? since, double? wait, HttpContext http) =>
        {
            // With wait=SECONDS this is a long poll: it answers as soon as an event after `since` exists.
            if (wait is > 0 && since is { } after && tree.Events.LastSeq <= after)
            {
                var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                using var subscription = tree.Events.Subscribe(() => arrived.TrySetResult());
                if (tree.Events.LastSeq <= after)
                {
                    try
                    {
                        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(Math.Min(wait.Value, 60)), http.RequestAborted).ConfigureAwait(false);
                    }
                    catch (TimeoutException)
                    {
                    }
                }
            }

            var (events, complete) = tree.Events.Since(since ?? 0);
            return Results.Json(new { seq = tree.Events.LastSeq, complete, events }, Json.Options);
        });
        app.MapGet("/api/restarts", (int? window, int? bucket) =>
        {
            var w = TimeSpan.FromSeconds(Math.Clamp(window ?? 600, 10, 3600));
            var b = TimeSpan.FromSeconds(Math.Clamp(bucket ?? 10, 1, 600));
            return Results.Json(new { window_seconds = w.TotalSeconds, bucket_seconds = b.TotalSeconds, counts = tree.Events.RestartBuckets(w, b) }, Json.Options);
        });
        app.MapGet("/api/stream", StreamAsync(tree));
        app.MapPost("/api/reload", async (HttpRequest request) =>
        {
            string? file = request.Query["file"];
            return ToHttp(await reload(string.IsNullOrEmpty(file) ? null : file).ConfigureAwait(false));
        });
    }

    public static object TreeBody(ServiceTree tree) => new
    {
        name = tree.Root.Name,
        file = tree.Config.File,
        seq = tree.Events.LastSeq,
        restarts_total = tree.Events.RestartTotal,
        root = View(tree, tree.Root, withChildren: true),
    };

    private static object StatusBody(ServiceTree tree)
    {
        var now = tree.Ctx.Time.GetUtcNow();
        List<object> rows = [];
        lock (tree.ModelLock)
        {
            Walk(tree.Root, null, 0);
        }

        return new { name = tree.Root.Name, seq = tree.Events.LastSeq, nodes = rows };

        void Walk(TreeNode n, string? parent, int depth)
        {
            rows.Add(new { node = NodeView.Of(n, now, withChildren: false), parent, depth });
            foreach (var c in n.Children)
            {
                Walk(c, n.Name, depth + 1);
            }
        }
    }

    private static NodeView View(ServiceTree tree, TreeNode n, bool withChildren)
    {
        lock (tree.ModelLock)
        {
            return NodeView.Of(n, tree.Ctx.Time.GetUtcNow(), withChildren);
        }
    }

    private static async Task<IResult> Run(Task<CommandResult> command) => ToHttp(await command.ConfigureAwait(false));

    private static IResult ToHttp(CommandResult r) => Results.Json(
        new { ok = r.Ok, code = r.Code, message = r.Message },
        Json.Options,
        statusCode: r.Code switch { ExitCodes.Ok => 200, ExitCodes.NoSuchNode => 404, ExitCodes.BadTree => 422, _ => 409 });

    private static IResult NotFound(string name)
    {
        var r = CommandResult.NoSuchNode(name);
        return Results.Json(new { ok = false, code = r.Code, message = r.Message }, Json.Options, statusCode: 404);
    }

    private static Func<HttpContext, string, Task> FollowLogsAsync(ServiceTree tree) => async (HttpContext http, string name) =>
    {
        if (tree.Find(name) is not { Log: { } log })
        {
            await (tree.Find(name) is null ? NotFound(name) : Results.Json(new { ok = false, code = ExitCodes.Failed, message = $"{name} has no logs: it is not a service" }, Json.Options, statusCode: 409))
                .ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        http.Response.ContentType = "application/x-ndjson";
        var (backlog, reader, subscription) = log.Follow(int.TryParse(http.Request.Query["lines"], out var n) ? Math.Clamp(n, 0, Logs.ServiceLog.RecentLines) : 10);
        using (subscription)
        {
            var cancel = http.RequestAborted;
            try
            {
                foreach (var line in backlog)
                {
                    await WriteLineAsync(http, line, cancel).ConfigureAwait(false);
                }

                await http.Response.Body.FlushAsync(cancel).ConfigureAwait(false);
                await foreach (var line in reader.ReadAllAsync(cancel).ConfigureAwait(false))
                {
                    await WriteLineAsync(http, line, cancel).ConfigureAwait(false);
                    if (!reader.TryPeek(out _))
                    {
                        await http.Response.Body.FlushAsync(cancel).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
            }
        }
    };

    private static async Task WriteLineAsync(HttpContext http, Logs.LogLine line, CancellationToken cancel)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(line, Json.Options);
        await http.Response.Body.WriteAsync(bytes, cancel).ConfigureAwait(false);
        await http.Response.Body.WriteAsync("\n"u8.ToArray(), cancel).ConfigureAwait(false);
    }

    /// <summary>
    /// Server-sent events: <c>tree</c> (the whole tree) and <c>events</c> (every event since the last one sent, by
    /// number) whenever something happens, coalesced over 200 ms, and the tree once a second for uptimes.
    /// </summary>
    private static Func<HttpContext, Task> StreamAsync(ServiceTree tree) => async http =>
    {
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        var cancel = http.RequestAborted;
        var since = long.TryParse(http.Request.Query["since"], out var s) ? s : tree.Events.LastSeq;
        var wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        using var subscription = tree.Events.Subscribe(() => wake.Writer.TryWrite(true));
        try
        {
            while (!cancel.IsCancellationRequested)
            {
                var (events, complete) = tree.Events.Since(since);
                if (events.Count > 0 || !complete)
                {
                    since = events.Count > 0 ? events[^1].Seq : tree.Events.LastSeq;
                    await SendAsync(http, "events", new { complete, events }, cancel).ConfigureAwait(false);
                }

                await SendAsync(http, "tree", TreeBody(tree), cancel).ConfigureAwait(false);
                await SendAsync(http, "restarts", new { bucket_seconds = 10, counts = tree.Events.RestartBuckets(TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(10)) }, cancel).ConfigureAwait(false);
                using var refresh = CancellationTokenSource.CreateLinkedTokenSource(cancel);
                refresh.CancelAfter(StreamRefresh);
                try
                {
                    await wake.Reader.ReadAsync(refresh.Token).ConfigureAwait(false);
                    await Task.Delay(StreamCoalesce, cancel).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
                {
                }
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
        }
    };

    private static async Task SendAsync(HttpContext http, string name, object body, CancellationToken cancel)
    {
        var json = JsonSerializer.Serialize(body, Json.Options);
        await http.Response.WriteAsync($"event: {name}\ndata: {json}\n\n", cancel).ConfigureAwait(false);
        await http.Response.Body.FlushAsync(cancel).ConfigureAwait(false);
    }
}
