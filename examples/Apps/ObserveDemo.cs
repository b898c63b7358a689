using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Trellis.Hosting.AspNetCore;

namespace Trellis.Examples.Apps;

/// <summary>
/// Seed 003's <c>:observer.start()</c> on its own KV application: KV runs on a node inside an ASP.NET Core application,
/// and the Observer is mapped at <c>/trellis</c> behind the application's own policy (here a cookie sign-in with a key
/// printed at start, standing in for whatever sign-in a real application has).
/// </summary>
public static class ObserveDemo
{
    /// <summary>Runs until SIGTERM or Ctrl-C.</summary>
    /// <param name="output">Where the address is printed.</param>
    /// <param name="port">The port on 127.0.0.1; 0 for any free one.</param>
    /// <returns>The exit code.</returns>
    public static async Task<int> RunAsync(TextWriter output, int port)
    {
        ArgumentNullException.ThrowIfNull(output);
        var key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        await using var node = new Node(new NodeOptions { Name = "kv", TrackProcesses = true });
        builder.Services.AddSingleton(node);

        // Sign-ins last as long as the process: no key ring written to disk.
        builder.Services.AddDataProtection().UseEphemeralDataProtectionProvider();
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(o =>
        {
            o.LoginPath = "/login";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.HttpOnly = true;
        });
        builder.Services.AddAuthorizationBuilder().AddPolicy("ops", p => p.RequireAuthenticatedUser().RequireRole("ops"));
        await using var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/login", async (HttpContext http, string? key_) =>
        {
            if (!CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(key_ ?? string.Empty), System.Text.Encoding.UTF8.GetBytes(key)))
            {
                return Results.Text("sign in with the link the application printed at start", statusCode: 401);
            }

            var who = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "operator"), new Claim(ClaimTypes.Role, "ops")], CookieAuthenticationDefaults.AuthenticationScheme));
            await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, who);
            return Results.Redirect("/trellis/");
        });
        app.MapTrellisObserver("/trellis", "ops");
        app.MapGet("/kv/{bucket}", (string bucket) => KvApplication.Lookup(node, bucket) is { IsNone: false } pid
            ? Results.Json(new { bucket, pid = pid.ToString() })
            : Results.Json(new { bucket, pid = (string?)null }, statusCode: 404)).RequireAuthorization("ops");

        var store = Path.Combine(Path.GetTempPath(), $"trellis-kv-observe-{Environment.ProcessId}.log");
        try
        {
            using var sessions = new FileChildStore(store);
            await using var apps = await ApplicationController.CreateAsync(node);
            await apps.LoadAsync(KvApplication.Spec(sessions));
            var (started, _) = await apps.EnsureAllStartedAsync("kv", ApplicationStartType.Permanent);
            if (!started.IsOk)
            {
                await output.WriteLineAsync($"kv did not start: {started}");
                return 1;
            }

            foreach (var bucket in new[] { "shopping", "groceries" })
            {
                await KvApplication.CreateAsync(node, bucket);
            }

            await app.StartAsync();
            await output.WriteLineAsync($"observer: {app.Urls.First()}/login?key_={key}");
            await output.FlushAsync();
            await app.WaitForShutdownAsync();
            await apps.StopNodeAsync();
            return 0;
        }
        finally
        {
            File.Delete(store);
        }
    }
}
