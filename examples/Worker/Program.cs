using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Trellis;
using Trellis.Examples.Worker;
using Trellis.Hosting;
using Trellis.Hosting.AspNetCore;

// A generic host whose work is a Trellis tree: a flaky BackgroundService that heals, and an ASP.NET Core web
// application (Kestrel) as a supervised subtree that reports the tree's health.
//   Worker            run until Ctrl-C; GET /health on the printed address
//   Worker --give-up  a worker that always crashes: the root gives up and the process exits with code 1
var giveUp = args.Contains("--give-up");
var urls = args.SkipWhile(a => a != "--urls").Skip(1).FirstOrDefault() ?? "http://127.0.0.1:5080";
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddSingleton<Runs>();
builder.Services.AddTrellis(trellis =>
{
    if (giveUp)
    {
        trellis.AddHostedService<DoomedWorker>();
        return;
    }

    trellis.AddHostedService<FlakyWorker>("flaky", RestartType.Permanent);
    trellis.AddWebApplication("web", (outer, web) =>
    {
        web.WebHost.UseUrls(urls);
        var app = web.Build();
        app.MapGet("/health", async () =>
        {
            var report = await outer.GetRequiredService<HealthCheckService>().CheckHealthAsync();
            return $"{report.Status} (runs of the flaky worker: {outer.GetRequiredService<Runs>().Count})";
        });
        return app;
    });
});
using var host = builder.Build();
await host.RunAsync();
return Environment.ExitCode;
