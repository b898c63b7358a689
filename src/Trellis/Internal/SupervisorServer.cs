namespace Trellis.Internal;

/// <summary>
/// The supervisor process: a GenServer that traps exits and owns its children. One message at a time: API calls,
/// child exits and restart retries are served in mailbox order, as in <c>supervisor.erl</c>.
/// </summary>
internal sealed partial class SupervisorServer : GenServer
{
    private readonly SupervisorConfig _config;
    private SupervisorMode _mode;
    private SupervisorFlags _flags = new();
    private RestartIntensity _intensity = null!;
    private string _name = "supervisor";

    private SupervisorServer(SupervisorConfig config) => _config = config;

    private Node Node => Context.Node;

    public static ValueTask<StartResult> StartAsync(LocalProcess? parent, Node node, SupervisorConfig config, string? name) =>
        StartCoreAsync(parent, node, () => new SupervisorServer(config), name, name is null ? null : new GenServerOptions { Name = name });

    protected override async ValueTask<InitResult> InitAsync(object? argument)
    {
        Context.TrapExit = true;
        _name = argument as string ?? Self.ToString();
        if (_config.Mode == SupervisorMode.Dynamic)
        {
            var dynamic = InitDynamic(_config.DynamicOptions!);
            return dynamic.Status == StartStatus.Ok ? await RestoreDurableAsync().ConfigureAwait(false) : dynamic;
        }

        var flags = _config.Flags;
        var specs = _config.Children;
        if (_config.Module is { } module)
        {
            var init = module.Init(_config.Argument);
            if (init.Flags is null)
            {
                return InitResult.Ignore();
            }

            flags = init.Flags;
            specs = init.Children;
        }

        if (SpecValidator.CheckFlags(flags) is { } flagError)
        {
            return InitResult.Stop(SupervisorErrors.Term("supervisor_data", flagError));
        }

        _flags = flags!;
        _intensity = new RestartIntensity(Node.TimeProvider, _flags.Intensity, _flags.Period);
        if (_flags.Strategy == Strategy.SimpleOneForOne)
        {
            var simple = InitSimple(specs!);
            return simple.Status == StartStatus.Ok ? await RestoreDurableAsync().ConfigureAwait(false) : simple;
        }

        _mode = SupervisorMode.Static;
        if (SpecValidator.CheckAll(specs, _flags.AutoShutdown) is { } specError)
        {
            return InitResult.Stop(SupervisorErrors.Term("start_spec", specError));
        }

        return await StartStaticChildrenAsync(specs!).ConfigureAwait(false);
    }

    protected override async ValueTask<ServerResult> HandleCallAsync(object request, From from) => request switch
    {
        SupervisorCall.StartChild start => Reply(await StartChildAsync(start.Spec).ConfigureAwait(false)),
        SupervisorCall.StartTemplateChild start => Reply(await StartTemplateChildAsync(start.ExtraArguments).ConfigureAwait(false)),
        SupervisorCall.TerminateChild terminate => Reply(await TerminateChildAsync(terminate.Key).ConfigureAwait(false)),
        SupervisorCall.RestartChild restart => Reply(await RestartChildAsync(restart.Id).ConfigureAwait(false)),
        SupervisorCall.DeleteChild delete => Reply(DeleteChild(delete.Id)),
        SupervisorCall.GetChildSpec get => Reply(GetChildSpec(get.Key)),
        SupervisorCall.WhichChildren => Reply(WhichChildren()),
        SupervisorCall.CountChildren => Reply(CountChildren()),
        _ => Reply(SupervisorResult.Fail(SupervisorErrors.Term("unknown_call", request))),
    };

    protected override async ValueTask<ServerResult> HandleInfoAsync(object message)
    {
        switch (message)
        {
            case ExitMessage exit:
                var outcome = _mode == SupervisorMode.Static
                    ? await OnStaticExitAsync(exit.From, exit.Reason).ConfigureAwait(false)
                    : await OnDynamicExitAsync(exit.From, exit.Reason).ConfigureAwait(false);
                return outcome ? NoReply() : Stop(ExitReason.Shutdown);
            case TryAgain retry:
                var retried = _mode == SupervisorMode.Static
                    ? await RetryStaticAsync(retry.Key).ConfigureAwait(false)
                    : await RetryDynamicAsync(retry.Key).ConfigureAwait(false);
                return retried ? NoReply() : Stop(ExitReason.Shutdown);
            default:
                Node.Log.UnexpectedMessage(_name, Terms.Format(message));
                return NoReply();
        }
    }

    protected override ValueTask TerminateAsync(ExitReason reason) =>
        _mode == SupervisorMode.Static ? TerminateStaticChildrenAsync() : TerminateAllDynamicAsync();

    /// <summary>Runs a child's start function inside this process and links the child, whatever the start function did.</summary>
    private async ValueTask<StartResult> StartProcessAsync(ChildSpec spec, IReadOnlyList<object?> args)
    {
        StartResult? result;
        using var activity = TrellisMetrics.Activities.StartActivity("trellis.child.start");
        activity?.SetTag("trellis.supervisor", _name);
        activity?.SetTag("trellis.child.id", spec.Id?.ToString());
        try
        {
            result = await spec.Start(Context, args).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not ProcessExitedException || Context.Self.IsAlive)
        {
            return StartResult.Fail(ExitReason.FromException(ex));
        }

        if (result is null)
        {
            return StartResult.Fail(SupervisorErrors.Term("bad_return", (object?)null));
        }

        if (result.IsOk && !result.Pid.IsNone)
        {
            ((LocalProcess)Context).EnsureLinked(result.Pid);
        }

        return result;
    }

    private bool AddRestart(object? childId)
    {
        if (_intensity.Add())
        {
            Node.Metrics.Restarted(StrategyName);
            return true;
        }

        Node.Log.GaveUp(_name, childId, _intensity.Intensity, _intensity.Period);
        Node.Metrics.GaveUp(StrategyName);
        return false;
    }

    private string StrategyName => _mode switch
    {
        SupervisorMode.Dynamic => "dynamic",
        _ => _flags.Strategy switch
        {
            Strategy.OneForAll => "one_for_all",
            Strategy.RestForOne => "rest_for_one",
            Strategy.SimpleOneForOne => "simple_one_for_one",
            _ => "one_for_one",
        },
    };

    /// <summary>
    /// The restart type against the exit reason (otp-semantics.md section 5): true when the child must be restarted.
    /// Logs the exit, as an error when it is abnormal or leads to a restart.
    /// </summary>
    private bool OnChildExited(ChildSpec spec, object? id, Pid pid, ExitReason reason)
    {
        var restart = spec.Restart switch
        {
            RestartType.Permanent => true,
            RestartType.Transient => !reason.IsOrderly,
            _ => false,
        };
        if (restart || !reason.IsOrderly)
        {
            Node.Log.ChildTerminated(_name, id, pid, reason);
        }
        else
        {
            Node.Log.ChildExited(_name, id, pid, reason);
        }

        return restart;
    }

    /// <summary>Whether a shutdown ended the way the protocol expects (otp-semantics.md section 8); anything else is logged.</summary>
    private static bool IsExpectedShutdownReason(ChildSpec spec, ExitReason reason, bool brutal)
    {
        if (brutal ? reason.Kind == ExitReasonKind.Killed : (reason.IsShutdown && reason.Detail is null))
        {
            return true;
        }

        return spec.Restart != RestartType.Permanent && reason.IsOrderly;
    }

    private static object?[] Append(IReadOnlyList<object?> first, IReadOnlyList<object?> second)
    {
        var all = new object?[first.Count + second.Count];
        for (var i = 0; i < first.Count; i++)
        {
            all[i] = first[i];
        }

        for (var i = 0; i < second.Count; i++)
        {
            all[first.Count + i] = second[i];
        }

        return all;
    }
}
