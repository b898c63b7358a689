namespace Trellis.Internal;

/// <summary>The application controller's state: loaded specs, running applications in start order, their monitors.</summary>
internal sealed class ApplicationControllerServer(ApplicationController controller) : GenServer
{
    internal override string BehaviourName => "application_controller";

    private readonly Dictionary<string, ApplicationSpec> _loaded = new(StringComparer.Ordinal);
    private readonly List<Running> _running = [];
    private static readonly ExitReason Stopped = ExitReason.Atom("stopped");
    private NodeStop? _stopped;

    private Node Node => Context.Node;

    protected override async ValueTask<ServerResult> HandleCallAsync(object request, From from)
    {
        switch (request)
        {
            case Load load:
                return Reply(DoLoad(load.Spec));
            case Unload unload:
                return Reply(DoUnload(unload.Name));
            case Start start when _stopped is not null:
                var stopping = SupervisorResult.Fail(ExitReason.Atom("node_stopped"));
                return Reply(start.All ? new Ensured(stopping, []) : stopping);
            case Start { All: false } start:
                return Reply(await StartOneAsync(start.Name, start.Type).ConfigureAwait(false));
            case Start start:
                return Reply(await EnsureAllAsync(start.Name, start.Type).ConfigureAwait(false));
            case StopApp stop:
                return Reply(await StopOneAsync(stop.Name).ConfigureAwait(false));
            case StopNode:
                return Reply(await StopNodeAsync(new NodeStop(0, null, null)).ConfigureAwait(false));
            case Which:
                IReadOnlyList<RunningApplication> which = [.. Enumerable.Reverse(_running).Select(r =>
                    new RunningApplication(r.Spec.Name, r.Spec.Description, r.Spec.Version, r.Context.StartType, r.Context.TopSupervisor))];
                return Reply(which);
            default:
                return await base.HandleCallAsync(request, from).ConfigureAwait(false);
        }
    }

    protected override async ValueTask<ServerResult> HandleInfoAsync(object message)
    {
        if (message is not DownMessage down || _running.Find(r => ReferenceEquals(r.Monitor, down.Ref)) is not { } app)
        {
            return await base.HandleInfoAsync(message).ConfigureAwait(false);
        }

        _running.Remove(app);
        await CallbackAsync(app, "prep_stop", app.Spec.PrepStop).ConfigureAwait(false);
        await CallbackAsync(app, "stop", app.Spec.Stop).ConfigureAwait(false);
        var type = app.Context.StartType;
        var stopsNode = type == ApplicationStartType.Permanent || (type == ApplicationStartType.Transient && !down.Reason.IsNormal);
        if (!stopsNode)
        {
            Node.Log.ApplicationExited(app.Spec.Name, down.Reason, type);
            return NoReply();
        }

        Node.Log.ApplicationTerminatedNode(app.Spec.Name, type, down.Reason);
        await StopNodeAsync(new NodeStop(1, app.Spec.Name, down.Reason)).ConfigureAwait(false);
        return NoReply();
    }

    private SupervisorResult DoLoad(ApplicationSpec spec)
    {
        if (!_loaded.TryAdd(spec.Name, spec))
        {
            return SupervisorResult.Fail(SupervisorErrors.Term("already_loaded", new Atom(spec.Name)));
        }

        controller.LoadEnvironment(spec);
        return SupervisorResult.Ok;
    }

    private SupervisorResult DoUnload(string name)
    {
        if (_running.Exists(r => r.Spec.Name == name))
        {
            return SupervisorResult.Fail(SupervisorErrors.Term("running", new Atom(name)));
        }

        if (!_loaded.Remove(name))
        {
            return SupervisorResult.Fail(SupervisorErrors.Term("not_loaded", new Atom(name)));
        }

        controller.UnloadEnvironment(name);
        return SupervisorResult.Ok;
    }

    private async ValueTask<SupervisorResult> StartOneAsync(string name, ApplicationStartType type)
    {
        if (_running.Exists(r => r.Spec.Name == name))
        {
            return SupervisorResult.Fail(SupervisorErrors.Term("already_started", new Atom(name)));
        }

        if (!_loaded.TryGetValue(name, out var spec))
        {
            return SupervisorResult.Fail(SupervisorErrors.Term("not_loaded", new Atom(name)));
        }

        foreach (var dependency in spec.Dependencies)
        {
            if (!_running.Exists(r => r.Spec.Name == dependency))
            {
                return SupervisorResult.Fail(SupervisorErrors.Term("not_started", new Atom(dependency)));
            }
        }

        var context = new ApplicationContext(controller, name, type);
        StartResult started;
        try
        {
            started = await spec.Start(context).ConfigureAwait(false)
                ?? StartResult.Fail(SupervisorErrors.Term("bad_return", (object?)null));
        }
        catch (Exception ex) when (ex is not ProcessExitedException)
        {
            started = StartResult.Fail(ExitReason.FromException(ex));
        }

        if (started.IsOk && started.Pid.IsNone)
        {
            started = StartResult.Fail(SupervisorErrors.Term("bad_return", started));
        }

        if (!started.IsOk)
        {
            return SupervisorResult.Fail(ExitReason.Of(new ApplicationStartFailure(started.Error ?? ExitReason.Atom("ignore"), name, type)));
        }

        context.TopSupervisor = started.Pid;
        _running.Add(new Running(spec, context, Context.Monitor(started.Pid)));
        Node.Log.ApplicationStarted(name, type, started.Pid);
        return SupervisorResult.Ok;
    }

    private async ValueTask<Ensured> EnsureAllAsync(string name, ApplicationStartType type)
    {
        var order = new List<string>();
        if (Order(name, order, []) is { } error)
        {
            return new Ensured(error, []);
        }

        var started = new List<string>();
        foreach (var app in order)
        {
            if (_running.Exists(r => r.Spec.Name == app))
            {
                continue;
            }

            var result = await StartOneAsync(app, type).ConfigureAwait(false);
            if (!result.IsOk)
            {
                for (var i = started.Count - 1; i >= 0; i--)
                {
                    await StopOneAsync(started[i]).ConfigureAwait(false);
                }

                return new Ensured(SupervisorResult.Fail(ExitReason.Of(new ErrorTerm(app, result.Error))), []);
            }

            started.Add(app);
        }

        return new Ensured(SupervisorResult.Ok, started);
    }

    /// <summary>Dependencies first, depth first, each once; a cycle or an unknown application is an error.</summary>
    private SupervisorResult? Order(string name, List<string> order, HashSet<string> visiting)
    {
        if (order.Contains(name))
        {
            return null;
        }

        if (!_loaded.TryGetValue(name, out var spec))
        {
            return SupervisorResult.Fail(SupervisorErrors.Term("not_loaded", new Atom(name)));
        }

        if (!visiting.Add(name))
        {
            return SupervisorResult.Fail(SupervisorErrors.Term("circular_dependencies", new Atom(name)));
        }

        foreach (var dependency in spec.Dependencies)
        {
            if (Order(dependency, order, visiting) is { } error)
            {
                return error;
            }
        }

        visiting.Remove(name);
        order.Add(name);
        return null;
    }

    private async ValueTask<SupervisorResult> StopOneAsync(string name)
    {
        if (_running.Find(r => r.Spec.Name == name) is not { } app)
        {
            return SupervisorResult.Fail(SupervisorErrors.Term("not_started", new Atom(name)));
        }

        _running.Remove(app);
        Context.Demonitor(app.Monitor, flush: true);
        await CallbackAsync(app, "prep_stop", app.Spec.PrepStop).ConfigureAwait(false);
        var top = app.Context.TopSupervisor;
        // The top supervisor has no parent to take an exit signal from, so it is stopped as sys:terminate does.
        if (top.IsAlive)
        {
            try
            {
                await GenServer.StopAsync(top, ExitReason.Shutdown).ConfigureAwait(false);
            }
            catch (CallException)
            {
                // It exited meanwhile.
            }
        }

        await CallbackAsync(app, "stop", app.Spec.Stop).ConfigureAwait(false);
        Node.Log.ApplicationExited(name, Stopped, app.Context.StartType);
        return SupervisorResult.Ok;
    }

    private async ValueTask<NodeStop> StopNodeAsync(NodeStop stop)
    {
        if (_stopped is not null)
        {
            return _stopped;
        }

        _stopped = stop;
        for (var i = _running.Count - 1; i >= 0; i--)
        {
            await StopOneAsync(_running[i].Spec.Name).ConfigureAwait(false);
        }

        controller.NodeStopped(stop);
        return stop;
    }

    private async ValueTask CallbackAsync(Running app, string name, Func<ApplicationContext, ValueTask>? callback)
    {
        if (callback is null)
        {
            return;
        }

        try
        {
            await callback(app.Context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not ProcessExitedException)
        {
            Node.Log.ApplicationCallbackFailed(app.Spec.Name, name, ex);
        }
    }

    public sealed record Load(ApplicationSpec Spec);

    public sealed record Unload(string Name);

    public sealed record Start(string Name, ApplicationStartType Type, bool All);

    public sealed record StopApp(string Name);

    public sealed record Ensured(SupervisorResult Result, IReadOnlyList<string> Started);

    public sealed class StopNode
    {
        public static StopNode Instance { get; } = new();
    }

    public sealed class Which
    {
        public static Which Instance { get; } = new();
    }

    private sealed record Running(ApplicationSpec Spec, ApplicationContext Context, MonitorRef Monitor);
}
