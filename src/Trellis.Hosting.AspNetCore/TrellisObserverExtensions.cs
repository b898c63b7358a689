using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Trellis.Hosting.AspNetCore.Observer;

namespace Trellis.Hosting.AspNetCore;

/// <summary>The Observer (seed 003's <c>:observer.start()</c>) inside an ASP.NET Core application.</summary>
public static partial class TrellisObserverExtensions
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly Lazy<string> Page = new(() =>
    {
        using var stream = typeof(TrellisObserverExtensions).Assembly.GetManifestResourceStream("observer.html")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    /// <summary>
    /// Maps the Observer at <paramref name="pattern"/>: a live page of the node's supervision trees and every other
    /// process (registry partitions, tasks, plain spawned processes) with mailbox length, messages handled, links,
    /// monitors and registered names, and a kill button, behind the application's authorization policy
    /// <paramref name="policy"/>. The page and its JSON (<c>PATTERN/api/observer</c>) are reads; a kill is a POST that
    /// must carry the <c>X-Trellis</c> header (which no other site's page can send) and is logged with the user's name.
    /// The <see cref="Node"/> comes from the application's services (<c>AddTrellis</c> registers it). Set
    /// <see cref="NodeOptions.TrackProcesses"/> (<c>Trellis:TrackProcesses</c>) to list processes nothing links to.
    /// </summary>
    /// <param name="endpoints">The application's endpoints.</param>
    /// <param name="pattern">Where the page lives, such as <c>/trellis</c>.</param>
    /// <param name="policy">The authorization policy every request must satisfy.</param>
    /// <returns>The route group, for more conventions.</returns>
    public static RouteGroupBuilder MapTrellisObserver(this IEndpointRouteBuilder endpoints, string pattern, string policy)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        ArgumentException.ThrowIfNullOrWhiteSpace(policy);
        var basePath = "/" + pattern.Trim('/');
        var group = endpoints.MapGroup(basePath);
        group.RequireAuthorization(policy);
        // Routing ignores a trailing slash: PATTERN and PATTERN/ are one page, which finds its API from its own address.
        group.MapGet("/", () => Results.Content(Page.Value, "text/html; charset=utf-8"));
        group.MapGet("/api/observer", async (HttpContext http) =>
        {
            var node = http.RequestServices.GetRequiredService<Node>();
            return Results.Json(await ObserverSnapshot.TakeAsync(node, http.RequestAborted).ConfigureAwait(false), Json);
        });
        group.MapPost("/api/processes/{number:long}/kill", (long number, HttpContext http) =>
        {
            if (!http.Request.Headers.ContainsKey("X-Trellis"))
            {
                return Results.Json(new { ok = false, message = "a kill needs the X-Trellis header" }, Json, statusCode: 403);
            }

            var node = http.RequestServices.GetRequiredService<Node>();
            var pid = node.FindProcess(number);
            var who = http.User.Identity?.Name ?? "an unnamed user";
            var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Trellis.Observer");
            if (pid.IsNone)
            {
                return Results.Json(new { ok = false, message = $"no live process <0.{number}.0>" }, Json, statusCode: 404);
            }

            Node.Exit(pid, ExitReason.Kill);
            Killed(logger, who, pid.ToString());
            return Results.Json(new { ok = true, message = $"killed {pid}" }, Json);
        });
        return group;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "observer: {User} killed {Pid}")]
    private static partial void Killed(ILogger logger, string user, string pid);
}
