namespace Trellis.Internal;

/// <summary>Static children: one_for_one, one_for_all, rest_for_one. Children live in a list in start order.</summary>
internal sealed partial class SupervisorServer
{
    private readonly List<StaticChild> _children = [];

    private async ValueTask<InitResult> StartStaticChildrenAsync(IReadOnlyList<ChildSpec> specs)
    {
        foreach (var spec in specs)
        {
            var result = await StartProcessAsync(spec, spec.Arguments).ConfigureAwait(false);
            if (result.IsError)
            {
                Node.Log.StartError(_name, spec.Id, result.Error!);
                await TerminateStaticChildrenAsync().ConfigureAwait(false);
                return InitResult.Stop(SupervisorErrors.FailedToStartChild(spec.Id, result.Error!));
            }

            if (result.Pid.IsNone && spec.Restart == RestartType.Temporary)
            {
                continue;
            }

            var child = new StaticChild(spec);
            child.SetRunning(result.Pid);
            _children.Add(child);
            LogStarted(child);
        }

        return InitResult.Ok();
    }

    private void LogStarted(StaticChild child)
    {
        if (child.IsRunning)
        {
            Node.Log.ChildStarted(_name, child.Spec.Id, child.Pid);
        }
    }

    private StaticChild? FindById(object id)
    {
        foreach (var child in _children)
        {
            if (Equals(child.Spec.Id, id))
            {
                return child;
            }
        }

        return null;
    }

    private StaticChild? FindRunning(Pid pid)
    {
        foreach (var child in _children)
        {
            if (child.IsRunning && child.Pid == pid)
            {
                return child;
            }
        }

        return null;
    }

    /// <summary>OTP's del_child: a temporary child's spec goes; others stay with pid undefined.</summary>
    private void DeleteOrUndefine(StaticChild child)
    {
        if (child.Spec.Restart == RestartType.Temporary)
        {
            _children.Remove(child);
        }
        else
        {
            child.SetUndefined();
        }
    }

    /// <summary>A child exited (otp-semantics.md section 5). False when the supervisor must shut down.</summary>
    private async ValueTask<bool> OnStaticExitAsync(Pid from, ExitReason reason)
    {
        if (FindRunning(from) is not { } child)
        {
            return true;
        }

        child.LastExit = reason;
        var restart = OnChildExited(child.Spec, child.Spec.Id, from, reason);
        if (restart)
        {
            return await RestartStaticAsync(child).ConfigureAwait(false);
        }

        DeleteOrUndefine(child);
        return !ShouldAutoShutdown(child);
    }

    private bool ShouldAutoShutdown(StaticChild child)
    {
        if (_flags.AutoShutdown == AutoShutdown.Never || !child.Spec.Significant)
        {
            return false;
        }

        var shut = _flags.AutoShutdown == AutoShutdown.AnySignificant
            || !_children.Exists(c => c.Spec.Significant && c.IsRunning);
        if (shut)
        {
            Node.Log.AutoShutdown(_name, child.Spec.Id);
        }

        return shut;
    }

    private async ValueTask<bool> RetryStaticAsync(object id)
    {
        if (FindById(id) is not { Status: ChildStatus.Restarting } child)
        {
            return true;
        }

        return await RestartStaticAsync(child).ConfigureAwait(false);
    }

    /// <summary>OTP's restart/2: count the restart, then restart per strategy. False when the intensity is exceeded.</summary>
    private async ValueTask<bool> RestartStaticAsync(StaticChild child)
    {
        if (!AddRestart(child.Spec.Id))
        {
            DeleteOrUndefine(child);
            return false;
        }

        switch (_flags.Strategy)
        {
            case Strategy.OneForOne:
                var result = await StartProcessAsync(child.Spec, child.Spec.Arguments).ConfigureAwait(false);
                if (result.IsError)
                {
                    Node.Log.StartError(_name, child.Spec.Id, result.Error!);
                    child.SetRestarting();
                    Self.Send(new TryAgain(child.Spec.Id));
                    return true;
                }

                child.SetRunning(result.Pid);
                CountRestart(child);
                return true;
            case Strategy.RestForOne:
                await RestartGroupAsync(child, _children.IndexOf(child)).ConfigureAwait(false);
                return true;
            default:
                await RestartGroupAsync(child, 0).ConfigureAwait(false);
                return true;
        }
    }

    private void CountRestart(StaticChild child)
    {
        child.Restarts++;
        if (child.IsRunning)
        {
            Node.Log.ChildRestarted(_name, child.Spec.Id, child.Pid);
        }
    }

    /// <summary>
    /// OTP's restart_multiple_children: stop the group (from <paramref name="from"/> to the end) in reverse order,
    /// dropping temporary children, then start it in order. A failed start marks that child restarting, leaves the
    /// rest stopped, and queues a retry.
    /// </summary>
    private async ValueTask RestartGroupAsync(StaticChild crashed, int from)
    {
        crashed.SetUndefined();
        for (var i = _children.Count - 1; i >= from; i--)
        {
            var sibling = _children[i];
            if (sibling.IsRunning)
            {
                await ShutdownStaticAsync(sibling).ConfigureAwait(false);
            }

            if (sibling.Spec.Restart == RestartType.Temporary)
            {
                _children.RemoveAt(i);
            }
            else
            {
                sibling.SetUndefined();
            }
        }

        for (var i = from; i < _children.Count; i++)
        {
            var child = _children[i];
            var result = await StartProcessAsync(child.Spec, child.Spec.Arguments).ConfigureAwait(false);
            if (result.IsError)
            {
                Node.Log.StartError(_name, child.Spec.Id, result.Error!);
                child.SetRestarting();
                Self.Send(new TryAgain(child.Spec.Id));
                return;
            }

            child.SetRunning(result.Pid);
            CountRestart(child);
        }
    }

    private async ValueTask<StartResult> StartChildAsync(ChildSpec spec)
    {
        if (_mode == SupervisorMode.Dynamic)
        {
            return await StartDynamicChildAsync(spec).ConfigureAwait(false);
        }

        if (_mode == SupervisorMode.Simple)
        {
            return StartResult.Fail(SupervisorErrors.SimpleOneForOne);
        }

        if (SpecValidator.Check(spec, _flags.AutoShutdown) is { } invalid)
        {
            return StartResult.Fail(invalid);
        }

        if (FindById(spec.Id) is { } existing)
        {
            return StartResult.Fail(existing.IsRunning ? SupervisorErrors.AlreadyStarted(existing.Pid) : SupervisorErrors.AlreadyPresent);
        }

        var result = OkUndefinedForIgnore(await StartProcessAsync(spec, spec.Arguments).ConfigureAwait(false));
        if (result.IsError)
        {
            return result.Error!.Detail is AlreadyStarted
                ? result
                : StartResult.Fail(ExitReason.Of(new StartChildError(result.Error!, spec.Id)));
        }

        if (!(result.Pid.IsNone && spec.Restart == RestartType.Temporary))
        {
            var child = new StaticChild(spec);
            child.SetRunning(result.Pid);
            _children.Add(child);
            LogStarted(child);
        }

        return result;
    }

    private async ValueTask<SupervisorResult> TerminateChildAsync(object key)
    {
        if (_mode != SupervisorMode.Static)
        {
            return await TerminateDynamicChildAsync(key).ConfigureAwait(false);
        }

        if (FindById(key) is not { } child)
        {
            return SupervisorResult.Fail(SupervisorErrors.NotFound);
        }

        if (child.IsRunning)
        {
            await ShutdownStaticAsync(child).ConfigureAwait(false);
        }

        DeleteOrUndefine(child);
        return SupervisorResult.Ok;
    }

    private async ValueTask<StartResult> RestartChildAsync(object id)
    {
        if (_mode != SupervisorMode.Static)
        {
            return StartResult.Fail(_mode == SupervisorMode.Simple ? SupervisorErrors.SimpleOneForOne : SupervisorErrors.NotFound);
        }

        switch (FindById(id))
        {
            case null:
                return StartResult.Fail(SupervisorErrors.NotFound);
            case { Status: ChildStatus.Running }:
                return StartResult.Fail(SupervisorErrors.Running);
            case { Status: ChildStatus.Restarting }:
                return StartResult.Fail(SupervisorErrors.Restarting);
            case var child:
                var result = OkUndefinedForIgnore(await StartProcessAsync(child.Spec, child.Spec.Arguments).ConfigureAwait(false));
                if (result.IsOk)
                {
                    child.SetRunning(result.Pid);
                    LogStarted(child);
                }

                return result;
        }
    }

    /// <summary>start_child and restart_child answer <c>{ok, undefined}</c> when the start returned ignore.</summary>
    private static StartResult OkUndefinedForIgnore(StartResult result) => result.IsIgnore ? StartResult.Ok(Pid.None) : result;

    private SupervisorResult DeleteChild(object id)
    {
        if (_mode != SupervisorMode.Static)
        {
            return SupervisorResult.Fail(_mode == SupervisorMode.Simple ? SupervisorErrors.SimpleOneForOne : SupervisorErrors.NotFound);
        }

        switch (FindById(id))
        {
            case null:
                return SupervisorResult.Fail(SupervisorErrors.NotFound);
            case { Status: ChildStatus.Running }:
                return SupervisorResult.Fail(SupervisorErrors.Running);
            case { Status: ChildStatus.Restarting }:
                return SupervisorResult.Fail(SupervisorErrors.Restarting);
            case var child:
                _children.Remove(child);
                return SupervisorResult.Ok;
        }
    }

    private ChildSpec? GetChildSpec(object key) =>
        _mode == SupervisorMode.Static ? FindById(key)?.Spec : GetDynamicChildSpec(key);

    private List<ChildInfo> WhichChildren()
    {
        if (_mode != SupervisorMode.Static)
        {
            return WhichDynamicChildren();
        }

        var list = new List<ChildInfo>(_children.Count);
        for (var i = _children.Count - 1; i >= 0; i--)
        {
            list.Add(_children[i].Info());
        }

        return list;
    }

    private ChildCounts CountChildren()
    {
        if (_mode != SupervisorMode.Static)
        {
            return CountDynamicChildren();
        }

        int active = 0, supervisors = 0;
        foreach (var child in _children)
        {
            if (child.IsRunning && child.Pid.IsAlive)
            {
                active++;
            }

            if (child.Spec.Type == ChildType.Supervisor)
            {
                supervisors++;
            }
        }

        return new ChildCounts(_children.Count, active, supervisors, _children.Count - supervisors);
    }

    private async ValueTask TerminateStaticChildrenAsync()
    {
        for (var i = _children.Count - 1; i >= 0; i--)
        {
            var child = _children[i];
            if (child.IsRunning)
            {
                await ShutdownStaticAsync(child).ConfigureAwait(false);
            }

            if (child.Spec.Restart == RestartType.Temporary)
            {
                _children.RemoveAt(i);
            }
            else
            {
                child.SetUndefined();
            }
        }
    }

    private ValueTask ShutdownStaticAsync(StaticChild child) =>
        ShutdownOneAsync(new Stopping(child.Spec, child.Pid, child.Spec.Id));
}
