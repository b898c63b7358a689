using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Trellis.Hosting.AspNetCore;
using Trellis.Testing;

namespace Trellis.Hosting.Tests;

/// <summary>Shared by the test services: what happened, with waits that have deadlines.</summary>
public sealed class Journal
{
    private readonly ConcurrentQueue<string> _entries = new();
    private readonly ConcurrentDictionary<string, int> _counts = new();
    private readonly Lock _lock = new();
    private readonly List<(Func<Journal, bool> Condition, TaskCompletionSource Signal)> _waiters = [];

    public IReadOnlyList<string> Entries => [.. _entries];

    /// <summary>A gate a test service may wait on, opened by the test.</summary>
    public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Count(string entry) => _counts.GetValueOrDefault(entry);

    public void Add(string entry)
    {
        _entries.Enqueue(entry);
        _counts.AddOrUpdate(entry, 1, (_, n) => n + 1);
        lock (_lock)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Condition(this))
                {
                    _waiters[i].Signal.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    public Task WaitUntil(Func<Journal, bool> condition)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (condition(this))
            {
                return Task.CompletedTask;
            }

            _waiters.Add((condition, signal));
        }

        return signal.Task.WaitAsync(TimeSpan.FromSeconds(15));
    }
}

/// <summary>Crashes on its first two runs, then runs until stopped.</summary>
public sealed class CrashTwice(Journal journal) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        journal.Add("run");
        if (journal.Count("run") <= 2)
        {
            throw new InvalidOperationException("crash");
        }

        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (stoppingToken.Register(() => stopped.TrySetResult()))
        {
            await stopped.Task;
        }

        journal.Add("stopped CrashTwice");
    }
}

/// <summary>Returns at once: a normal exit.</summary>
public sealed class Finishes(Journal journal) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        journal.Add("finish");
        return Task.CompletedTask;
    }
}

/// <summary>Crashes every time.</summary>
public sealed class AlwaysCrashes(Journal journal) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        journal.Add("crash");
        throw new InvalidOperationException("always");
    }
}

/// <summary>A plain hosted service that records its start and stop, to check the order.</summary>
public sealed class Recorder(Journal journal, string name) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        journal.Add("start " + name);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        journal.Add("stop " + name);
        return Task.CompletedTask;
    }
}

public sealed class First(Journal journal) : IHostedService
{
    private readonly Recorder _recorder = new(journal, "first");

    public Task StartAsync(CancellationToken cancellationToken) => _recorder.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => _recorder.StopAsync(cancellationToken);
}

public sealed class Second(Journal journal) : IHostedService
{
    private readonly Recorder _recorder = new(journal, "second");

    public Task StartAsync(CancellationToken cancellationToken) => _recorder.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => _recorder.StopAsync(cancellationToken);
}

/// <summary>Its start finishes only when the test opens the gate.</summary>
public sealed class SlowStart(Journal journal) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        journal.Add("start slow begun");
        await journal.Gate.Task.WaitAsync(cancellationToken);
        journal.Add("start slow done");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Its start fails.</summary>
public sealed class FailsToStart : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("no database");

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

public class HostingTests
{
    private static IHost Build(Action<TrellisBuilder> configure, Journal journal, TimeProvider? time = null, Dictionary<string, string?>? config = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(config ?? []);
        builder.Services.AddSingleton(journal);
        if (time is not null)
        {
            builder.Services.AddSingleton<TimeProvider>(time);
        }

        builder.Services.AddTrellis(configure);
        return builder.Build();
    }

    [Fact]
    public async Task ACrashingBackgroundService_IsRestarted_AndTheHostStaysUp()
    {
        var journal = new Journal();
        using var host = Build(t => t.AddHostedService<CrashTwice>(restart: RestartType.Permanent), journal);
        await host.StartAsync();
        await journal.WaitUntil(j => j.Count("run") == 3);
        var health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Degraded, health.Status);
        await host.StopAsync();
        Assert.Equal(1, journal.Count("stopped CrashTwice"));
    }

    [Fact]
    public async Task RestartTypes_TemporaryIsNotRestarted_TransientNormalExitIsNot_TransientCrashIs()
    {
        var journal = new Journal();
        using var host = Build(t => t
            .AddHostedService<AlwaysCrashes>("temporary", RestartType.Temporary)
            .AddHostedService<Finishes>("transient", RestartType.Transient)
            .AddHostedService<CrashTwice>("transient-crash", RestartType.Transient), journal,
            config: new() { ["Trellis:Intensity"] = "10" });
        await host.StartAsync();
        await journal.WaitUntil(j => j.Count("run") == 3);
        var root = host.Services.GetServices<IHostedService>().OfType<Internal.TrellisHostedService>().Single().Root;
        var children = await Supervisor.WhichChildrenAsync(root);
        Assert.Equal(["transient-crash"], children.Where(c => !c.Pid.IsNone).Select(c => (string)c.Id!));
        Assert.Equal(1, journal.Count("crash"));
        Assert.Equal(1, journal.Count("finish"));
        await host.StopAsync();
    }

    [Fact]
    public async Task TheTree_StartsInOrder_AndStopsInReverseOrder_OnTheHostsStop()
    {
        var journal = new Journal();
        using var host = Build(t => t.AddHostedService<First>().AddHostedService<Second>(), journal);
        await host.StartAsync();
        await journal.WaitUntil(j => j.Count("start second") == 1);
        await host.StopAsync();
        Assert.Equal(["start first", "start second", "stop second", "stop first"], journal.Entries);
    }

    [Fact]
    public async Task AHostedService_HasStartedBeforeTheNextSiblingStarts()
    {
        var journal = new Journal();
        using var host = Build(t => t.AddHostedService<SlowStart>().AddHostedService<Second>(), journal);
        var started = host.StartAsync();
        await journal.WaitUntil(j => j.Count("start slow begun") == 1);
        Assert.False(started.IsCompleted);
        journal.Gate.SetResult();
        await started.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(["start slow begun", "start slow done", "start second"], journal.Entries);
        await host.StopAsync();
    }

    [Fact]
    public async Task AHostedServiceWhoseStartFails_IsAFailedStartOfTheTree()
    {
        var journal = new Journal();
        using var host = Build(t => t.AddHostedService<First>().AddHostedService<FailsToStart>().AddHostedService<Second>(), journal);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());
        Assert.Contains("failed_to_start_child", error.Message, StringComparison.Ordinal);
        Assert.Contains("no database", error.Message, StringComparison.Ordinal);
        // The first sibling was started and is stopped again; the one after the failure never starts.
        Assert.Equal(["start first", "stop first"], journal.Entries);
    }

    [Fact]
    public async Task Health_DegradedWithinThePeriod_HealthyAfterIt_UnhealthyAfterGivingUp()
    {
        var journal = new Journal();
        var time = new TestClock();
        using var host = Build(t => t.AddHostedService<CrashTwice>(), journal, time, new() { ["Trellis:Period"] = "00:00:30" });
        await host.StartAsync();
        await journal.WaitUntil(j => j.Count("run") == 3);
        var checks = host.Services.GetRequiredService<HealthCheckService>();
        Assert.Equal(HealthStatus.Degraded, (await checks.CheckHealthAsync()).Status);
        time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(HealthStatus.Healthy, (await checks.CheckHealthAsync()).Status);
        await host.StopAsync();

        var doomed = new Journal();
        using var failing = Build(t => t.AddHostedService<AlwaysCrashes>(), doomed, new TestClock());
        var lifetime = failing.Services.GetRequiredService<IHostApplicationLifetime>();
        var stopping = new TaskCompletionSource();
        lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());
        try
        {
            await failing.StartAsync();
            await stopping.Task.WaitAsync(TimeSpan.FromSeconds(15));
            var report = await failing.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
            Assert.Equal(HealthStatus.Unhealthy, report.Status);
            Assert.Equal(1, Environment.ExitCode);
            Assert.Equal(4, doomed.Count("crash"));
            await failing.StopAsync();
        }
        finally
        {
            Environment.ExitCode = 0;
        }
    }

    [Fact]
    public async Task AHostWhoseRootGivesUp_ExitsNonZero()
    {
        var root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));
        var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd('/'))!);
        var dll = Path.Combine(root, "examples", "Worker", "bin", configuration, "net10.0", "Worker.dll");
        Assert.True(File.Exists(dll), dll);
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("--give-up");
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(process.ExitCode == 1, $"exit {process.ExitCode}\n{await output}{await errors}");
        Assert.Contains("reached its maximum restart intensity", await output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWebApplication_RunsAsASupervisedSubtree_AndIsRestartedWhenItsServerDies()
    {
        var port = FreePort();
        var journal = new Journal();
        using var host = Build(t => t.AddWebApplication("web", (_, web) =>
        {
            web.WebHost.UseUrls($"http://127.0.0.1:{port}");
            var app = web.Build();
            app.MapGet("/ping", () => "pong");
            journal.Add("built");
            return app;
        }), journal);
        await host.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        Assert.Equal("pong", await client.GetStringAsync(new Uri("/ping", UriKind.Relative)));
        var root = host.Services.GetServices<IHostedService>().OfType<Internal.TrellisHostedService>().Single().Root;
        var web = (await Supervisor.WhichChildrenAsync(root)).Single();
        Assert.Equal(ChildType.Supervisor, web.Type);
        var kestrel = (await Supervisor.WhichChildrenAsync(web.Pid)).Single();
        Node.Exit(kestrel.Pid, ExitReason.Kill);
        await Node.WaitForExitAsync(kestrel.Pid).WaitAsync(TimeSpan.FromSeconds(15));
        await journal.WaitUntil(j => j.Count("built") == 2);
        var replacement = (await Supervisor.WhichChildrenAsync(web.Pid)).Single();
        Assert.NotEqual(kestrel.Pid, replacement.Pid);
        // The killed worker's server was stopped and its port let go; the replacement listens on it.
        Assert.Equal("pong", await client.GetStringAsync(new Uri("/ping", UriKind.Relative)));
        await host.StopAsync();
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.GetStringAsync(new Uri("/ping", UriKind.Relative)));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
