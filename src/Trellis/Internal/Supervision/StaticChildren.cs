using System.Diagnostics;

namespace Trellis.Internal;

/// <summary>
/// The children of a one_for_one, one_for_all or rest_for_one supervisor: a list in start order, each with its spec
/// and its pid state (running, <c>undefined</c>, or <c>{restarting, OldPid}</c>).
/// </summary>
internal sealed class StaticChildren(SupervisorServer supervisor, SupervisorFlags flags, IReadOnlyList<ChildSpec> specs) : IChildTable
{
    private readonly List<StaticChild> _children = [];

    private Node Node => supervisor.Node;

    public async ValueTask<InitResult> InitAsync()
    {
        foreach (var spec in specs)
        {
            var result = await supervisor.StartProcessAsync(spec, spec.Arguments).ConfigureAwait(false);
            if (result.IsError)
            {
                Node.Log.StartError(supervisor.Name, spec.Id, result.Error!);
                await TerminateAllAsync().ConfigureAwait(false);
                return InitResult.Stop(SupervisorErrors.FailedToStartChild(spec.Id, result.Error!));
            }

            Add(spec, result);
        }

        return InitResult.Ok();
    }

    public async ValueTask<StartResult> StartChildAsync(ChildSpec spec)
    {
        if (SpecValidator.Check(spec, flags.AutoShutdown) is { } invalid)
        {
            return StartResult.Fail(invalid);
        }

        if (FindById(spec.Id) is { } existing)
        {
            return StartResult.Fail(existing.IsRunning ? SupervisorErrors.AlreadyStarted(existing.Pid) : SupervisorErrors.AlreadyPresent);
        }

        var result = await supervisor.StartProcessAsync(spec, spec.Arguments).ConfigureAwait(false);
        if (result.IsError)
        {
            return result.Error!.Detail is AlreadyStarted
                ? result
                : StartResult.Fail(ExitReason.Of(new StartChildError(result.Error!, spec.Id)));
        }

        Add(spec, result);
        return result.IsIgnore ? StartResult.Ok(Pid.None) : result;
    }

    public ValueTask<StartResult> StartTemplateChildAsync(IReadOnlyList<object?> extraArguments) =>
        ValueTask.FromResult(StartResult.Fail(SupervisorErrors.Term("invalid_child_spec", extraArguments)));

    public async ValueTask<SupervisorResult> TerminateChildAsync(object key)
    {
        if (FindById(key) is not { } child)
        {
            return SupervisorResult.Fail(SupervisorErrors.NotFound);
        }

        await StopAsync(child).ConfigureAwait(false);
        return SupervisorResult.Ok;
    }

    public async ValueTask<StartResult> RestartChildAsync(object id)
    {
        switch (FindById(id))
        {
            case null:
                return StartResult.Fail(SupervisorErrors.NotFound);
            case { Status: ChildStatus.Running }:
                return StartResult.Fail(SupervisorErrors.Running);
            case { Status: ChildStatus.Restarting }:
                return StartResult.Fail(SupervisorErrors.Restarting);
            case var child:
                var result = await supervisor.StartProcessAsync(child.Spec, child.Spec.Arguments).ConfigureAwait(false);
                if (result.IsOk)
                {
                    child.SetRunning(result.Pid);
                    Node.Log.ChildStarted(supervisor.Name, child.Spec.Id, child.Pid);
                }

                return result.IsIgnore ? StartResult.Ok(Pid.None) : result;
        }
    }

    public SupervisorResult DeleteChild(object id)
    {
        switch (FindById(id))
        {
            case null:
                return SupervisorResult.Fail(SupervisorErrors.NotFound);
            case { Status: ChildStatus.Running }:
                return SupervisorResult.Fail(SupervisorErrors.Running);
            case { Status: ChildStatus.Restarting }:
                return SupervisorResult.Fail(SupervisorErrors.Restarting);
            case var child:
                Remove(child);
                return SupervisorResult.Ok;
        }
    }

    public ChildSpec? GetChildSpec(object key) => FindById(key)?.Spec;

    public ChildLookup WhichChild(object key) =>
        FindById(key) is { } child ? ChildLookup.Found(child.Info()) : ChildLookup.Fail(SupervisorErrors.NotFound);

    public IReadOnlyList<ChildInfo> WhichChildren()
    {
        var list = new List<ChildInfo>(_children.Count);
        for (var i = _children.Count - 1; i >= 0; i--)
        {
            list.Add(_children[i].Info());
        }

        return list;
    }

    /// <summary>OTP's count_children: a child is active while its pid is alive, even before its EXIT is handled.</summary>
    public ChildCounts CountChildren()
    {
        int active = 0, supervisors = 0;
        foreach (var child in _children)
        {
            active += child.IsRunning && child.Pid.IsAlive ? 1 : 0;
            supervisors += child.Spec.Type == ChildType.Supervisor ? 1 : 0;
        }

        return new ChildCounts(_children.Count, active, supervisors, _children.Count - supervisors);
    }

    public async ValueTask<bool> OnExitAsync(Pid from, ExitReason reason)
    {
        if (FindRunning(from) is not { } child)
        {
            return true;
        }

        child.LastExit = reason;
        child.SetStopped();
        if (supervisor.OnChildExited(child.Spec, child.Spec.Id, from, reason))
        {
            return await RestartAsync(child).ConfigureAwait(false);
        }

        Forget(child);
        var due = RestartPolicy.AutoShutdownDue(flags.AutoShutdown, child.Spec.Significant, _children.Exists(c => c.Spec.Significant && c.IsRunning));
        if (due)
        {
            Node.Log.AutoShutdown(supervisor.Name, child.Spec.Id);
        }

        return !due;
    }

    public ValueTask<bool> RetryAsync(object key) =>
        FindById(key) is { Status: ChildStatus.Restarting } child ? RestartAsync(child) : ValueTask.FromResult(true);

    public ValueTask TerminateAllAsync() => StopGroupAsync(0..);

    /// <summary>OTP's restart/2: count the restart, then restart the child's group. False when the intensity is exceeded.</summary>
    private async ValueTask<bool> RestartAsync(StaticChild child)
    {
        if (!supervisor.AddRestart(child.Spec.Id))
        {
            Forget(child);
            return false;
        }

        var group = RestartPolicy.Group(flags.Strategy, _children.IndexOf(child), _children.Count);
        var (from, length) = group.GetOffsetAndLength(_children.Count);
        if (length > 1)
        {
            await StopGroupAsync(group).ConfigureAwait(false);
        }

        // The group starts again in start order; its temporary children have left the list.
        var end = length == 1 ? from + 1 : _children.Count;
        for (var i = from; i < end; i++)
        {
            var next = _children[i];
            var result = await supervisor.StartProcessAsync(next.Spec, next.Spec.Arguments).ConfigureAwait(false);
            if (result.IsError)
            {
                Node.Log.StartError(supervisor.Name, next.Spec.Id, result.Error!);
                next.SetRestarting();
                supervisor.RetryLater(next.Spec.Id);
                return true;
            }

            next.Restarts++;
            if (result.IsOk)
            {
                next.SetRunning(result.Pid);
                Node.Log.ChildRestarted(supervisor.Name, next.Spec.Id, next.Pid);
            }
        }

        return true;
    }

    /// <summary>
    /// Stops the children in <paramref name="group"/> in reverse start order, then drops the temporary ones and sets the
    /// others to <c>undefined</c> (OTP's <c>terminate_children</c>): a group restart and the supervisor's own end.
    /// </summary>
    private async ValueTask StopGroupAsync(Range group)
    {
        var (from, length) = group.GetOffsetAndLength(_children.Count);
        for (var i = from + length - 1; i >= from; i--)
        {
            await StopAsync(_children[i]).ConfigureAwait(false);
        }
    }

    /// <summary>Stops one child if it runs, then keeps its spec as <c>undefined</c> or drops it, by its restart type.</summary>
    private async ValueTask StopAsync(StaticChild child)
    {
        if (child.IsRunning)
        {
            await supervisor.ShutdownAsync(new Stopping(child.Spec, child.Pid, child.Spec.Id)).ConfigureAwait(false);
            child.SetStopped();
        }

        Forget(child);
    }

    private void Add(ChildSpec spec, StartResult result)
    {
        if (result.IsIgnore && !RestartPolicy.KeepsSpec(spec.Restart))
        {
            return;
        }

        var child = new StaticChild(spec);
        _children.Add(child);

        if (result.IsOk)
        {
            child.SetRunning(result.Pid);
            Node.Log.ChildStarted(supervisor.Name, spec.Id, child.Pid);
        }
    }

    /// <summary>OTP's del_child: a temporary child's spec goes; others stay with pid undefined.</summary>
    private void Forget(StaticChild child)
    {
        Debug.Assert(!child.IsRunning, "only a stopped child is forgotten");
        if (RestartPolicy.KeepsSpec(child.Spec.Restart))
        {
            child.SetUndefined();
        }
        else
        {
            Remove(child);
        }
    }

    private void Remove(StaticChild child)
    {
        Debug.Assert(!child.IsRunning, "a running child is never removed from the list");
        _children.Remove(child);
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
}
