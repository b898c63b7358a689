using Trellis.Tests.Fakes;

namespace Trellis.Tests;

/// <summary>OTP's Application.</summary>
public class ApplicationTests
{
    /// <summary>An application whose top supervisor runs one worker; its callbacks are logged.</summary>
    private static ApplicationSpec App(string name, EventLog log, params string[] dependencies) => new()
    {
        Name = name,
        Dependencies = dependencies,
        Environment = new Dictionary<string, object?> { ["port"] = 4000, ["mode"] = "default" },
        Start = async ctx =>
        {
            log.Add("start " + name);
            return await Supervisor.StartAsync(ctx.Node, [Worker.Spec(name + ".worker", log)], new SupervisorFlags { Intensity = 1 });
        },
        PrepStop = ctx => { log.Add("prep_stop " + name); return ValueTask.CompletedTask; },
        Stop = ctx => { log.Add("stop " + name); return ValueTask.CompletedTask; },
    };

    private static async Task<ApplicationController> Controller(Probe probe, params ApplicationSpec[] apps)
    {
        var controller = await ApplicationController.CreateAsync(probe.Node, new Dictionary<string, IReadOnlyDictionary<string, object?>>
        {
            ["web"] = new Dictionary<string, object?> { ["port"] = 8080 },
        });
        foreach (var app in apps)
        {
            Assert.True((await controller.LoadAsync(app)).IsOk);
        }

        return controller;
    }

    [Fact]
    public async Task EnsureAllStarted_StartsDependenciesFirst_StopIsReverse_AndStopLeavesDependencies()
    {
        await using var probe = new Probe();
        var controller = await Controller(probe, App("kernel", probe.Log), App("db", probe.Log, "kernel"), App("web", probe.Log, "db", "kernel"));
        Assert.Equal(SupervisorErrors.Term("not_started", new Atom("db")), (await controller.StartAsync("web")).Error);
        var (result, started) = await controller.EnsureAllStartedAsync("web", ApplicationStartType.Permanent);
        Assert.True(result.IsOk);
        Assert.Equal(["kernel", "db", "web"], started);
        Assert.Equal(["web", "db", "kernel"], (await controller.WhichApplicationsAsync()).Select(a => a.Name));
        Assert.Equal(SupervisorErrors.Term("already_started", new Atom("web")), (await controller.StartAsync("web")).Error);
        Assert.Empty((await controller.EnsureAllStartedAsync("web")).Started);

        Assert.True((await controller.StopAsync("web")).IsOk);
        Assert.Equal(["db", "kernel"], (await controller.WhichApplicationsAsync()).Select(a => a.Name));
        Assert.Equal(SupervisorErrors.Term("not_started", new Atom("web")), (await controller.StopAsync("web")).Error);
        Assert.False(controller.Stopped.IsCompleted);

        probe.Log.Clear();
        var stop = await controller.StopNodeAsync();
        Assert.Equal(0, stop.ExitCode);
        Assert.Equal(["prep_stop db", "stop db", "prep_stop kernel", "stop kernel"], probe.Log.Snapshot().Where(e => e.Contains("stop", StringComparison.Ordinal) && !e.Contains('.', StringComparison.Ordinal)));
        Assert.Empty(await controller.WhichApplicationsAsync());
    }

    [Fact]
    public async Task Environment_DefaultsOverridesAndSetEnv()
    {
        await using var probe = new Probe();
        var controller = await Controller(probe, App("web", probe.Log));
        Assert.Equal(8080, controller.GetEnv("web", "port"));
        Assert.Equal("default", controller.GetEnv<string>("web", "mode", "x"));
        Assert.False(controller.TryGetEnv("web", "missing", out _));
        Assert.Equal(7, controller.GetEnv("web", "missing", 7));
        controller.SetEnv("web", "mode", "live");
        Assert.Equal("live", controller.GetEnv("web", "mode"));
        Assert.Equal(SupervisorErrors.Term("already_loaded", new Atom("web")), (await controller.LoadAsync(App("web", probe.Log))).Error);
        Assert.Equal(SupervisorErrors.Term("not_loaded", new Atom("nope")), (await controller.StartAsync("nope")).Error);
    }

    [Fact]
    public async Task Unload_RemovesTheSpecAndItsEnvironment_NotWhileRunning()
    {
        await using var probe = new Probe();
        var controller = await Controller(probe, App("web", probe.Log));
        controller.SetEnv("web", "mode", "live");
        Assert.True((await controller.StartAsync("web")).IsOk);
        Assert.Equal(SupervisorErrors.Term("running", new Atom("web")), (await controller.UnloadAsync("web")).Error);
        Assert.True((await controller.StopAsync("web")).IsOk);
        Assert.True((await controller.UnloadAsync("web")).IsOk);
        Assert.False(controller.TryGetEnv("web", "mode", out _));
        Assert.Equal(SupervisorErrors.Term("not_loaded", new Atom("web")), (await controller.StartAsync("web")).Error);
        Assert.Equal(SupervisorErrors.Term("not_loaded", new Atom("web")), (await controller.UnloadAsync("web")).Error);

        // Loaded again, its defaults and the configuration's overrides come back.
        Assert.True((await controller.LoadAsync(App("web", probe.Log))).IsOk);
        Assert.Equal(8080, controller.GetEnv("web", "port"));
        Assert.Equal("default", controller.GetEnv("web", "mode"));
    }

    [Theory]
    [InlineData(ApplicationStartType.Temporary, "kill", false)]
    [InlineData(ApplicationStartType.Transient, "normal", false)]
    [InlineData(ApplicationStartType.Transient, "shutdown", true)]
    [InlineData(ApplicationStartType.Transient, "kill", true)]
    [InlineData(ApplicationStartType.Permanent, "normal", true)]
    [InlineData(ApplicationStartType.Permanent, "kill", true)]
    public async Task ATerminatedApplication_StopsTheNodePerItsStartType(ApplicationStartType type, string how, bool stopsNode)
    {
        await using var probe = new Probe();
        var controller = await Controller(probe, App("base", probe.Log), App("app", probe.Log));
        Assert.True((await controller.StartAsync("base")).IsOk);
        Assert.True((await controller.StartAsync("app", type)).IsOk);
        var top = (await controller.WhichApplicationsAsync()).Single(a => a.Name == "app").TopSupervisor;
        switch (how)
        {
            case "normal":
                await Supervisor.StopAsync(top, ExitReason.Normal);
                break;
            case "shutdown":
                // Two crashes of its worker exceed the top supervisor's intensity of 1: it exits with shutdown.
                await Probe.KillAndSync(top, await Probe.ChildPid(top, "app.worker"));
                Node.Exit(await Probe.ChildPid(top, "app.worker"), ExitReason.Kill);
                Assert.Equal(ExitReason.Shutdown, await Probe.ExitOf(top));
                break;
            default:
                Node.Exit(top, ExitReason.Kill);
                break;
        }

        await probe.Log.WaitForAsync("stop app");
        Assert.Contains("prep_stop app", probe.Log.Snapshot());
        if (stopsNode)
        {
            var stop = await controller.Stopped.WaitAsync(Probe.Deadline);
            Assert.Equal(1, stop.ExitCode);
            Assert.Equal("app", stop.Application);
            Assert.StartsWith("{application_terminated,app,", stop.ToString(), StringComparison.Ordinal);
            Assert.Empty(await controller.WhichApplicationsAsync());
            Assert.Contains("stop base", probe.Log.Snapshot());
        }
        else
        {
            Assert.Equal(["base"], (await controller.WhichApplicationsAsync()).Select(a => a.Name));
            Assert.False(controller.Stopped.IsCompleted);
        }
    }

    [Fact]
    public async Task AnExplicitStop_NeverStopsTheNode()
    {
        await using var probe = new Probe();
        var controller = await Controller(probe, App("app", probe.Log));
        Assert.True((await controller.StartAsync("app", ApplicationStartType.Permanent)).IsOk);
        Assert.True((await controller.StopAsync("app")).IsOk);
        Assert.Equal(["start app", "start app.worker", "prep_stop app", "stop app"], probe.Log.Snapshot());
        Assert.False(controller.Stopped.IsCompleted);
    }

    [Fact]
    public async Task AFailedStart_IsAnErrorNamingTheApplication()
    {
        await using var probe = new Probe();
        var broken = new ApplicationSpec
        {
            Name = "broken",
            Start = ctx => Supervisor.StartAsync(ctx.Node, [Worker.Spec("w", probe.Log, new WorkerOptions { CrashInInit = true })]),
        };
        var controller = await Controller(probe, App("dep", probe.Log), broken with { Dependencies = ["dep"] });
        var (result, started) = await controller.EnsureAllStartedAsync("broken");
        Assert.False(result.IsOk);
        Assert.Empty(started);
        Assert.Contains("{broken,{{shutdown,{failed_to_start_child,\"w\",", result.Error!.ToString(), StringComparison.Ordinal);
        Assert.EndsWith("{broken,start,[normal,[]]}}}", result.Error!.ToString(), StringComparison.Ordinal);
        // ensure_all_started stopped the dependency it had started.
        Assert.Empty(await controller.WhichApplicationsAsync());
        var threw = await controller.LoadAsync(new ApplicationSpec { Name = "throws", Start = _ => throw new InvalidOperationException("no") });
        Assert.True(threw.IsOk);
        Assert.Contains("InvalidOperationException", (await controller.StartAsync("throws")).Error!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task APermanentApplicationsCrash_EndsTheProcessWithANonZeroCode()
    {
        foreach (var (type, code) in new[] { ("permanent", 1), ("temporary", 0) })
        {
            var run = await ExampleProcess.RunAsync("Apps", "crash", type);
            Assert.True(code == run.ExitCode, $"crash {type}: exit {run.ExitCode}\n{run.Output}");
            if (code != 0)
            {
                Assert.Contains("{application_terminated,kv,killed}", run.Output, StringComparison.Ordinal);
            }
        }
    }
}
