namespace Trellis.Internal;

/// <summary>
/// The supervisor process: a GenServer that traps exits and serves one message at a time (API calls, child exits,
/// restart retries in mailbox order, as <c>supervisor.erl</c>). It holds no child logic of its own: init chooses a child
/// table once (<see cref="StaticChildren"/> or <see cref="DynamicChildren"/>), every request goes to that table, and the
/// decisions are <see cref="RestartPolicy"/>'s. What the tables share (starting, stopping, counting restarts, logging)
/// is here.
/// </summary>
internal sealed class SupervisorServer : GenServer
{
    private readonly SupervisorConfig _config;
    private IChildTable _table = null!;
    private SlidingWindow _restarts = null!;
    private int _intensity;
    private string _strategyName = "one_for_one";

    private SupervisorServer(SupervisorConfig config) => _config = config;

    internal override string BehaviourName => _config.Dynamic is not null ? "dynamic_supervisor" : "supervisor";

    private volatile ChildCounts? _published;

    /// <summary>Its children's counts as of its last message, while a collector reads the children gauge; else null.</summary>
    public ChildCounts? PublishedCounts => _published;

    /// <summary>The name logs give this supervisor: its registered name, or its pid.</summary>
    public string Name { get; private set; } = "supervisor";

    public Node Node => Context.Node;

    public static ValueTask<StartResult> StartAsync(LocalProcess? parent, Node node, SupervisorConfig config, GenServerOptions? registration, CancellationToken cancellationToken) =>
        StartCoreAsync(parent, node, () => new SupervisorServer(config), registration?.Name ?? registration?.Via?.ToString(), registration, cancellationToken);

    protected override async ValueTask<InitResult> InitAsync(object? argument)
    {
        Context.TrapExit = true;
        Name = argument as string ?? Self.ToString();
        if (Choose(out var table, out var flags) is { } failure)
        {
            return failure;
        }

        _table = table!;
        _intensity = flags!.Intensity;
        _restarts = new SlidingWindow(Node.TimeProvider, flags.Period);
        _strategyName = _config.Dynamic is not null ? "dynamic" : StrategyName(flags.Strategy);
        var init = await _table.InitAsync().ConfigureAwait(false);
        if (init.Status == StartStatus.Ok)
        {
            // However it ends, even by an untrappable kill, the gauge forgets it.
            Node.Metrics.SupervisorStarted(this);
            Context.CancellationToken.Register(static s => ((SupervisorServer)s!).Node.Metrics.SupervisorEnded((SupervisorServer)s), this);
            Publish();
        }

        return init;
    }

    // Counting a static table walks it, so the counts are kept only while someone reads them.
    private void Publish() => _published = Node.Metrics.ChildrenObserved ? _table.CountChildren() : null;

    protected override async ValueTask<ServerResult> HandleCallAsync(object request, From from)
    {
        var result = await HandleSupervisorCallAsync(request, from).ConfigureAwait(false);
        Publish();
        return result;
    }

    private async ValueTask<ServerResult> HandleSupervisorCallAsync(object request, From from) => request switch
    {
        SupervisorCall.StartChild start => Reply(await _table.StartChildAsync(start.Spec).ConfigureAwait(false)),
        SupervisorCall.StartTemplateChild start => Reply(await _table.StartTemplateChildAsync(start.ExtraArguments).ConfigureAwait(false)),
        SupervisorCall.TerminateChild terminate => Reply(await _table.TerminateChildAsync(terminate.Key).ConfigureAwait(false)),
        SupervisorCall.RestartChild restart => Reply(await _table.RestartChildAsync(restart.Id).ConfigureAwait(false)),
        SupervisorCall.DeleteChild delete => Reply(_table.DeleteChild(delete.Id)),
        SupervisorCall.GetChildSpec get => Reply(_table.GetChildSpec(get.Key)),
        SupervisorCall.WhichChild which => Reply(_table.WhichChild(which.Key)),
        SupervisorCall.WhichChildren => Reply(_table.WhichChildren()),
        SupervisorCall.CountChildren => Reply(_table.CountChildren()),
        _ => Reply(SupervisorResult.Fail(SupervisorErrors.Term("unknown_call", request))),
    };

    protected override async ValueTask<ServerResult> HandleInfoAsync(object message)
    {
        var carryOn = message switch
        {
            ExitMessage exit => await _table.OnExitAsync(exit.From, exit.Reason).ConfigureAwait(false),
            TryAgain retry => await _table.RetryAsync(retry.Key).ConfigureAwait(false),
            _ => Unexpected(message),
        };
        Publish();
        return carryOn ? NoReply() : Stop(ExitReason.Shutdown);
    }

    protected override ValueTask TerminateAsync(ExitReason reason) => _table?.TerminateAllAsync() ?? ValueTask.CompletedTask;

    /// <summary>
    /// Runs a child's start function inside this process, reads its return as <c>do_start_child_i</c> does, and links
    /// the child whatever the start function did.
    /// </summary>
    public async ValueTask<StartResult> StartProcessAsync(ChildSpec spec, IReadOnlyList<object?> args)
    {
        StartResult? returned;
        using var activity = TrellisMetrics.Activities.StartActivity("trellis.child.start");
        activity?.SetTag("trellis.supervisor", Name);
        activity?.SetTag("trellis.child.id", spec.Id?.ToString());
        try
        {
            returned = await spec.Start(Context, args).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not ProcessExitedException || Context.Self.IsAlive)
        {
            return StartResult.Fail(ExitReason.FromException(ex));
        }

        var result = RestartPolicy.OfStart(returned);
        if (result.IsOk)
        {
            ((LocalProcess)Context).EnsureLinked(result.Pid);
        }

        return result;
    }

    /// <summary>Counts a restart against the intensity (<c>add_restart</c>); false, logged, when the supervisor must give up.</summary>
    public bool AddRestart(object? childId)
    {
        if (RestartPolicy.IntensityAllows(_restarts.Add(), _intensity))
        {
            Node.Metrics.Restarted(_strategyName);
            return true;
        }

        Node.Log.GaveUp(Name, childId, _intensity, _restarts.Period);
        Node.Metrics.GaveUp(_strategyName);
        return false;
    }

    /// <summary>Logs a child's exit and decides, by its restart type, whether it is restarted.</summary>
    public bool OnChildExited(ChildSpec spec, object? id, Pid pid, ExitReason reason)
    {
        var restart = RestartPolicy.ShouldRestart(spec.Restart, reason);
        if (RestartPolicy.IsReportedAsCrash(restart, reason))
        {
            Node.Log.ChildTerminated(Name, id, pid, reason, reason.Exception);
        }
        else
        {
            Node.Log.ChildExited(Name, id, pid, reason);
        }

        return restart;
    }

    /// <summary>Queues another attempt at a restart that failed to start (OTP's <c>try_again_restart</c>).</summary>
    public void RetryLater(object key) => Self.Send(new TryAgain(key));

    /// <summary>Stops one child with the shutdown protocol.</summary>
    public ValueTask ShutdownAsync(Stopping child) => ChildShutdown.StopOneAsync(this, (LocalProcess)Context, child);

    /// <summary>Stops several children in parallel, one deadline per distinct shutdown value.</summary>
    public ValueTask ShutdownAsync(List<Stopping> children) => ChildShutdown.StopManyAsync(this, (LocalProcess)Context, children);

    /// <summary>Reads the configuration (calling the callback module's init, if any) and makes the child table; null when it may start.</summary>
    private InitResult? Choose(out IChildTable? table, out SupervisorFlags? flags)
    {
        table = null;
        flags = null;
        if (_config.Dynamic is { } dynamic)
        {
            var options = dynamic.Options;
            if (dynamic.Module is { } callback)
            {
                switch (callback.Init(dynamic.Argument))
                {
                    case null:
                        return InitResult.Stop(SupervisorErrors.BadReturn(callback, null));
                    case { Options: null }:
                        return InitResult.Ignore();
                    case var init:
                        options = init.Options;
                        break;
                }
            }

            if (DynamicChildren.Check(options) is { } dynamicError)
            {
                return InitResult.Stop(SupervisorErrors.Term("supervisor_data", dynamicError));
            }

            flags = new SupervisorFlags { Intensity = options.MaxRestarts, Period = options.MaxSeconds };
            table = DynamicChildren.ForDynamicSupervisor(this, options);
            return null;
        }

        var (checkedFlags, specs) = (_config.Flags, _config.Children);
        if (_config.Module is { } module)
        {
            switch (module.Init(_config.Argument))
            {
                case null:
                    return InitResult.Stop(SupervisorErrors.BadReturn(module, null));
                case { Flags: null }:
                    return InitResult.Ignore();
                case var init:
                    (checkedFlags, specs) = (init.Flags, init.Children);
                    break;
            }
        }

        if (SpecValidator.CheckFlags(checkedFlags) is { } flagError)
        {
            return InitResult.Stop(SupervisorErrors.Term("supervisor_data", flagError));
        }

        flags = checkedFlags!;
        if (flags.Strategy == Strategy.SimpleOneForOne)
        {
            if (DynamicChildren.CheckTemplate(specs) is { } templateError)
            {
                return InitResult.Stop(templateError);
            }

            table = DynamicChildren.ForSimpleOneForOne(this, flags, specs![0]);
            return null;
        }

        if (SpecValidator.CheckAll(specs, flags.AutoShutdown) is { } specError)
        {
            return InitResult.Stop(SupervisorErrors.Term("start_spec", specError));
        }

        table = new StaticChildren(this, flags, specs!);
        return null;
    }

    private bool Unexpected(object message)
    {
        Node.Log.UnexpectedMessage(Name, Terms.Format(message));
        return true;
    }

    private static string StrategyName(Strategy strategy) => strategy switch
    {
        Strategy.OneForAll => "one_for_all",
        Strategy.RestForOne => "rest_for_one",
        Strategy.SimpleOneForOne => "simple_one_for_one",
        _ => "one_for_one",
    };
}
