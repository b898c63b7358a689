using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Trellis.Daemon.Access;
using Trellis.Daemon.Logs;
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

    /// <summary>Log lines one request may ask for (a subtree's lines are merged by time, then cut to this).</summary>
    public const int MaxLines = Cli.ApiLimits.MaxLines;

    public static void Map(IEndpointRouteBuilder app, ServiceTree tree, ILogger logger, DashboardToken? token, Func<string?> dashboardUrl, Func<string?, Task<CommandResult>> reload)
    {
        app.MapGet("/", () => Results.Content(Dashboard.Html, "text/html; charset=utf-8"));
        app.MapGet("/api/tree", async (HttpContext http) =>
        {
            await RefreshClusterAsync(tree, http.RequestAborted).ConfigureAwait(false);
            return Results.Json(TreeBody(tree), Json.Options);
        });
        app.MapGet("/api/status", async (HttpContext http) =>
        {
            await RefreshClusterAsync(tree, http.RequestAborted).ConfigureAwait(false);
            return Results.Json(StatusBody(tree), Json.Options);
        });
        app.MapGet("/api/nodes/{name}", async (string name, HttpContext http) =>
        {
            await RefreshClusterAsync(tree, http.RequestAborted).ConfigureAwait(false);
            return tree.Find(name) is { } n ? Results.Json(View(tree, n, withChildren: true, withHistory: true), Json.Options) : NotFound(name);
        });
        app.MapGet("/api/cluster", () => tree.Cluster is { } cluster
            ? Results.Json(ClusterView.Of(cluster, tree), Json.Options)
            : Results.Json(new { error = "this daemon runs its tree alone: start it with --cluster ENDPOINTS --node NAME" }, Json.Options, statusCode: StatusCodes.Status404NotFound));
        app.MapPost("/api/nodes/{name}/start", (string name, HttpContext http) => Audited(http, logger, $"start {name}", tree.StartNodeAsync(name)));
        app.MapPost("/api/nodes/{name}/stop", (string name, HttpContext http) => Audited(http, logger, $"stop {name}", tree.StopNodeAsync(name)));
        app.MapPost("/api/nodes/{name}/restart", (string name, HttpContext http) => Audited(http, logger, $"restart {name}", tree.RestartNodeAsync(name)));
        app.MapPost("/api/nodes/{name}/kill", (string name, HttpContext http) => Audited(http, logger, $"kill {name}", tree.KillNodeAsync(name)));
        app.MapPost("/api/nodes/{name}/signal/{signal}", (string name, string signal, HttpContext http) =>
            Signals.TryParse(signal, out var sig)
                ? Audited(http, logger, $"signal {name} {signal}", tree.SignalNodeAsync(name, sig))
                : Audited(http, logger, $"signal {name} {signal}", Task.FromResult(new CommandResult(ExitCodes.Usage, $"'{signal}' is not a signal (write TERM, SIGTERM or 15)"))));
        app.MapGet("/api/logs", (HttpContext http) => LogsBody(http, tree, tree.Root));
        app.MapGet("/api/nodes/{name}/logs", (string name, HttpContext http) =>
            tree.Find(name) is { } n ? LogsBody(http, tree, n) : NotFound(name));
        app.MapGet("/api/logs/follow", (HttpContext http) => FollowLogsAsync(http, tree, tree.Root));
        app.MapGet("/api/daemon/logs", (HttpContext http) => LogsBody(http, tree, null));
        app.MapGet("/api/daemon/logs/follow", (HttpContext http) => FollowLogsAsync(http, tree, null));
        app.MapGet("/api/nodes/{name}/logs/follow", (string name, HttpContext http) =>
            tree.Find(name) is { } n ? FollowLogsAsync(http, tree, n) : NotFound(name).ExecuteAsync(http));
        app.MapGet("/api/dashboard", (HttpContext http) =>
        {
            // The link that signs a browser in carries the token: it is given only to an authorised socket peer.
            var url = dashboardUrl();
            var link = url is not null && token is not null && Caller.OverSocket(http) ? url + "?token=" + Uri.EscapeDataString(token.Value) : null;
            return Results.Json(new { url, link, token_file = token is null ? null : Path.Combine(tree.Config.StateDir, DashboardToken.FileName) }, Json.Options);
        });
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
        app.MapPost("/api/reload", (string? file, HttpContext http) =>
        {
            if (string.IsNullOrEmpty(file))
            {
                return Audited(http, logger, "reload", reload(null));
            }

            // Reading a file named in a request runs what it says as the daemon's user: only for a peer the control
            // socket has let in, never over TCP, whatever token it shows.
            if (!Caller.OverSocket(http))
            {
                return Audited(http, logger, $"reload {file}", Task.FromResult(new CommandResult(
                    ExitCodes.Refused, "a tree file can be named only over the control socket (trellis reload FILE); over TCP, reload takes no file")));
            }

            return Audited(http, logger, $"reload {file}", reload(file));
        });
    }

    // View counts as the look that keeps resources sampled.
    public static object TreeBody(ServiceTree tree)
    {
        return new
        {
            name = tree.Root.Name,
            file = tree.Config.File,
            seq = tree.Events.LastSeq,
            restarts_total = tree.Events.RestartTotal,
            root = View(tree, tree.Root, withChildren: true),
            cluster = tree.Cluster is { } cluster ? ClusterView.Of(cluster, tree) : null,
        };
    }

    private static Task RefreshClusterAsync(ServiceTree tree, CancellationToken cancellationToken) =>
        tree.Cluster?.RefreshAsync(cancellationToken) ?? Task.CompletedTask;

    private static object StatusBody(ServiceTree tree)
    {
        tree.Sampler.Watch();
        var now = tree.Ctx.Time.GetUtcNow();
        List<object> rows = [];
        lock (tree.ModelLock)
        {
            Walk(tree.Root, null, 0);
        }

        return new { name = tree.Root.Name, seq = tree.Events.LastSeq, nodes = rows };

        void Walk(TreeNode n, string? parent, int depth)
        {
            rows.Add(new { node = NodeView.Of(n, now, withChildren: false, tree: tree), parent, depth });
            foreach (var c in n.Children)
            {
                Walk(c, n.Name, depth + 1);
            }
        }
    }

    private static NodeView View(ServiceTree tree, TreeNode n, bool withChildren, bool withHistory = false)
    {
        tree.Sampler.Watch();
        lock (tree.ModelLock)
        {
            return NodeView.Of(n, tree.Ctx.Time.GetUtcNow(), withChildren, withHistory, tree);
        }
    }

    /// <summary>Runs a command that changes something and leaves one audit line: who, what, and the result.</summary>
    private static async Task<IResult> Audited(HttpContext http, ILogger logger, string action, Task<CommandResult> command)
    {
        var r = await command.ConfigureAwait(false);
        var who = Caller.Of(http);
        var outcome = r.Ok ? "done" : $"exit {r.Code}";
        var message = r.Message.ReplaceLineEndings(" | ");
        Log.Audit(logger, who, action, outcome, message);
        return Results.Json(
            new { ok = r.Ok, code = r.Code, message = r.Message },
            Json.Options,
            statusCode: r.Code switch
            {
                ExitCodes.Ok => 200,
                ExitCodes.Usage => 400,
                ExitCodes.Refused => 403,
                ExitCodes.NoSuchNode => 404,
                ExitCodes.BadTree => 422,
                _ => 409,
            });
    }

    private static IResult NotFound(string name)
    {
        var r = CommandResult.NoSuchNode(name);
        return Results.Json(new { ok = false, code = r.Code, message = r.Message }, Json.Options, statusCode: 404);
    }

    /// <summary>
    /// The logs under <paramref name="top"/>: its own, or every service's and worker's below it (a supervisor has none
    /// of its own; the root's is the daemon's, which only <paramref name="top"/> = null asks for).
    /// </summary>
    private static List<ServiceLog> LogsUnder(ServiceTree tree, TreeNode? top)
    {
        lock (tree.ModelLock)
        {
            return top is null
                ? tree.Root.Log is { } own ? [own] : []
                : top.SelfAndDescendants().Where(n => n != tree.Root).Select(n => n.Log).OfType<ServiceLog>().ToList();
        }
    }

    /// <summary><c>lines=N</c> (default 50) and <c>since=TIME</c> (ISO 8601); an error names the bad one.</summary>
    private static (int Lines, DateTimeOffset? Since, string? Error) LogQuery(HttpRequest request, int defaultLines)
    {
        var lines = defaultLines;
        if (request.Query.TryGetValue("lines", out var l) && !(int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out lines) && lines <= MaxLines))
        {
            return (0, null, $"lines must be a whole number from 0 to {MaxLines}, not '{l}'");
        }

        DateTimeOffset? since = null;
        if (request.Query.TryGetValue("since", out var s))
        {
            if (!DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
            {
                return (0, null, $"since must be a time in ISO 8601 (2026-12-01T10:00:00Z), not '{s}'");
            }

            since = t;
        }

        return (lines, since, null);
    }

    private static IResult BadQuery(string message) =>
        Results.Json(new { ok = false, code = ExitCodes.Usage, message }, Json.Options, statusCode: 400);

    private static IResult LogsBody(HttpContext http, ServiceTree tree, TreeNode? top)
    {
        var (lines, since, error) = LogQuery(http.Request, 50);
        if (error is not null)
        {
            return BadQuery(error);
        }

        return Results.Json(Merge(LogsUnder(tree, top).Select(log => log.Tail(lines, since)), lines), Json.Options);
    }

    /// <summary>Lines of several logs in time order (each log's own order kept), the last <paramref name="count"/>.</summary>
    private static List<LogLine> Merge(IEnumerable<IReadOnlyList<LogLine>> logs, int count)
    {
        var all = logs.SelectMany(l => l).OrderBy(l => l.Time).ToList();
        return all.Count <= count ? all : all[^count..];
    }

    /// <summary>
    /// NDJSON: the backlog of every log under <paramref name="top"/>, then each new line as it comes, until the client
    /// goes. Every log writes into one bounded channel (the oldest lines are dropped for a reader that cannot keep up).
    /// </summary>
    private static async Task FollowLogsAsync(HttpContext http, ServiceTree tree, TreeNode? top)
    {
        var (lines, since, error) = LogQuery(http.Request, 10);
        if (error is not null)
        {
            await BadQuery(error).ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        http.Response.ContentType = "application/x-ndjson";
        var channel = Channel.CreateBounded<LogLine>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest });
        var subscriptions = new List<IDisposable>();
        var backlogs = new List<IReadOnlyList<LogLine>>();
        foreach (var log in LogsUnder(tree, top))
        {
            var (backlog, subscription) = log.Follow(lines, since, channel.Writer);
            backlogs.Add(backlog);
            subscriptions.Add(subscription);
        }

        var cancel = http.RequestAborted;
        try
        {
            foreach (var line in Merge(backlogs, lines))
            {
                await WriteLineAsync(http, line, cancel).ConfigureAwait(false);
            }

            await http.Response.Body.FlushAsync(cancel).ConfigureAwait(false);
            var reader = channel.Reader;
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
        finally
        {
            foreach (var s in subscriptions)
            {
                s.Dispose();
            }
        }
    }

    private static async Task WriteLineAsync(HttpContext http, LogLine line, CancellationToken cancel)
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

                await RefreshClusterAsync(tree, cancel).ConfigureAwait(false);
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
