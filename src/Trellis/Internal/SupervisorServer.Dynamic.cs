namespace Trellis.Internal;

/// <summary>
/// Dynamic children: simple_one_for_one (one template, extra arguments appended) and Elixir's DynamicSupervisor
/// (a spec per child, extra arguments prepended, max_children). Keyed by pid; counts kept for O(1) count_children.
/// </summary>
internal sealed partial class SupervisorServer
{
    private readonly Dictionary<Pid, DynamicChild> _dynamic = [];
    private ChildSpec? _template;
    private int _restartingCount;
    private int _supervisorCount;
    private int? _maxChildren;
    private IReadOnlyList<object?> _extraArguments = [];
    private DurableChildren? _durable;

    private InitResult InitSimple(IReadOnlyList<ChildSpec> specs)
    {
        _mode = SupervisorMode.Simple;
        if (specs is not { Count: 1 })
        {
            return InitResult.Stop(SupervisorErrors.Term("bad_start_spec", specs));
        }

        if (SpecValidator.Check(specs[0], AutoShutdown.Never) is { } error)
        {
            return InitResult.Stop(SupervisorErrors.Term("start_spec", error));
        }

        _template = specs[0];
        _durable = _flags.Durable;
        return InitResult.Ok();
    }

    private InitResult InitDynamic(DynamicSupervisorOptions options)
    {
        _mode = SupervisorMode.Dynamic;
        var error = options.MaxRestarts < 0 ? SupervisorErrors.Term("invalid_intensity", options.MaxRestarts)
            : SpecValidator.CheckPeriod(options.MaxSeconds) is { } period ? period
            : options.MaxChildren < 0 ? SupervisorErrors.Term("invalid_max_children", options.MaxChildren)
            : options.ExtraArguments is null ? SupervisorErrors.Term("invalid_extra_arguments", (object?)null)
            : null;
        if (error is not null)
        {
            return InitResult.Stop(SupervisorErrors.Term("supervisor_data", error));
        }

        _flags = new SupervisorFlags { Intensity = options.MaxRestarts, Period = options.MaxSeconds };
        _intensity = new RestartIntensity(Node.TimeProvider, options.MaxRestarts, options.MaxSeconds);
        _maxChildren = options.MaxChildren;
        _extraArguments = options.ExtraArguments!;
        _durable = options.Durable;
        return _durable is { Store: null }
            ? InitResult.Stop(SupervisorErrors.Term("supervisor_data", SupervisorErrors.Term("invalid_durable", "DurableChildren.Store is null")))
            : InitResult.Ok();
    }

    private async ValueTask<StartResult> StartTemplateChildAsync(IReadOnlyList<object?> extra, long? durableKey = null)
    {
        if (_mode != SupervisorMode.Simple)
        {
            return StartResult.Fail(SupervisorErrors.Term("invalid_child_spec", extra));
        }

        var args = extra.Count == 0 ? _template!.Arguments : Append(_template!.Arguments, extra);
        var result = OkUndefinedForIgnore(await StartProcessAsync(_template, args).ConfigureAwait(false));
        if (result.IsOk && !result.Pid.IsNone)
        {
            var child = new DynamicChild(_template, args, result.Pid) { DurableKey = durableKey };
            Store(child);
            return durableKey is null ? await RecordAsync(child, _template.Id, extra, null, result).ConfigureAwait(false) : result;
        }

        return result;
    }

    private async ValueTask<StartResult> StartDynamicChildAsync(ChildSpec spec, long? durableKey = null)
    {
        if (SpecValidator.Check(spec, null) is { } invalid)
        {
            return StartResult.Fail(invalid);
        }

        if (spec.Significant)
        {
            return StartResult.Fail(SupervisorErrors.Term("invalid_significant", true));
        }

        if (_dynamic.Count >= _maxChildren)
        {
            return StartResult.Fail(SupervisorErrors.MaxChildren);
        }

        var args = _extraArguments.Count == 0 ? spec.Arguments : Append(_extraArguments, spec.Arguments);
        var result = await StartProcessAsync(spec, args).ConfigureAwait(false);
        if (result.IsOk && result.Pid.IsNone)
        {
            return StartResult.Ignore;
        }

        if (result.IsOk)
        {
            var child = new DynamicChild(spec, args, result.Pid) { DurableKey = durableKey };
            Store(child);
            return durableKey is null ? await RecordAsync(child, spec.Id, spec.Arguments, spec, result).ConfigureAwait(false) : result;
        }

        return result;
    }

    private void Store(DynamicChild child)
    {
        _dynamic[child.Pid] = child;
        if (child.Spec.Type == ChildType.Supervisor)
        {
            _supervisorCount++;
        }
    }

    private void Forget(DynamicChild child)
    {
        if (_dynamic.Remove(child.Pid))
        {
            if (child.Restarting)
            {
                _restartingCount--;
            }

            if (child.Spec.Type == ChildType.Supervisor)
            {
                _supervisorCount--;
            }
        }
    }

    private async ValueTask<bool> OnDynamicExitAsync(Pid from, ExitReason reason)
    {
        if (!_dynamic.TryGetValue(from, out var child) || child.Restarting)
        {
            return true;
        }

        child.LastExit = reason;
        var restart = OnChildExited(child.Spec, null, from, reason);
        if (!restart)
        {
            Forget(child);
            Unrecord(child);
            return true;
        }

        return await RestartDynamicAsync(child).ConfigureAwait(false);
    }

    private async ValueTask<bool> RetryDynamicAsync(object key)
    {
        if (key is not Pid pid || !_dynamic.TryGetValue(pid, out var child) || !child.Restarting)
        {
            return true;
        }

        return await RestartDynamicAsync(child).ConfigureAwait(false);
    }

    private async ValueTask<bool> RestartDynamicAsync(DynamicChild child)
    {
        if (!AddRestart(null))
        {
            Forget(child);
            return false;
        }

        Forget(child);
        child.Restarting = false;
        var result = await StartProcessAsync(child.Spec, child.Args).ConfigureAwait(false);
        if (result.IsError)
        {
            Node.Log.StartError(_name, null, result.Error!);
            child.Restarting = true;
            _restartingCount++;
            Store(child);
            Self.Send(new TryAgain(child.Pid));
            return true;
        }

        if (!result.Pid.IsNone)
        {
            child.Pid = result.Pid;
            child.Restarts++;
            Store(child);
            Node.Log.ChildRestarted(_name, null, child.Pid);
        }
        else
        {
            Unrecord(child);
        }

        return true;
    }

    private async ValueTask<SupervisorResult> TerminateDynamicChildAsync(object key)
    {
        if (key is not Pid pid)
        {
            return SupervisorResult.Fail(_mode == SupervisorMode.Simple ? SupervisorErrors.SimpleOneForOne : SupervisorErrors.NotFound);
        }

        if (!_dynamic.TryGetValue(pid, out var child))
        {
            // simple_one_for_one answers ok for a dead pid; DynamicSupervisor answers not_found.
            return _mode == SupervisorMode.Simple && !pid.IsAlive && !pid.IsNone
                ? SupervisorResult.Ok
                : SupervisorResult.Fail(SupervisorErrors.NotFound);
        }

        if (!child.Restarting)
        {
            await ShutdownOneAsync(new Stopping(child.Spec, child.Pid, null)).ConfigureAwait(false);
        }

        Forget(child);
        Unrecord(child);
        return SupervisorResult.Ok;
    }

    private ChildSpec? GetDynamicChildSpec(object key) =>
        key is Pid pid && _dynamic.TryGetValue(pid, out var child) ? child.Spec : null;

    private List<ChildInfo> WhichDynamicChildren()
    {
        var list = new List<ChildInfo>(_dynamic.Count);
        foreach (var child in _dynamic.Values)
        {
            list.Add(child.Info());
        }

        return list;
    }

    private ChildCounts CountDynamicChildren()
    {
        var count = _dynamic.Count;
        var active = count - _restartingCount;
        if (_mode == SupervisorMode.Simple)
        {
            return _template!.Type == ChildType.Supervisor
                ? new ChildCounts(1, active, count, 0)
                : new ChildCounts(1, active, 0, count);
        }

        return new ChildCounts(count, active, _supervisorCount, count - _supervisorCount);
    }

    private async ValueTask TerminateAllDynamicAsync()
    {
        var stopping = new List<Stopping>(_dynamic.Count);
        foreach (var child in _dynamic.Values)
        {
            if (!child.Restarting)
            {
                stopping.Add(new Stopping(child.Spec, child.Pid, null));
            }
        }

        await ShutdownAsync(stopping).ConfigureAwait(false);
        _dynamic.Clear();
        _restartingCount = 0;
        _supervisorCount = 0;
    }
}
