using System.Diagnostics;

namespace Trellis.Internal;

/// <summary>
/// The children of a simple_one_for_one supervisor (one template, extra arguments appended) or of Elixir's
/// DynamicSupervisor (a spec per child, extra arguments prepended, max_children): keyed by pid, their old pid while a
/// restart is retried, with counts kept so count_children is O(1). Children started with start_child may be durable
/// (<see cref="DurableRecords"/>).
/// </summary>
internal sealed class DynamicChildren : IChildTable
{
    private readonly SupervisorServer _supervisor;
    private readonly Dictionary<Pid, DynamicChild> _children = [];
    private readonly ChildSpec? _template;
    private readonly int? _maxChildren;
    private readonly IReadOnlyList<object?> _extraArguments;
    private readonly DurableRecords? _durable;
    private int _restarting;
    private int _supervisors;

    private DynamicChildren(SupervisorServer supervisor, ChildSpec? template, int? maxChildren, IReadOnlyList<object?> extraArguments, DurableChildren? durable)
    {
        _supervisor = supervisor;
        _template = template;
        _maxChildren = maxChildren;
        _extraArguments = extraArguments;
        _durable = durable is null ? null : new DurableRecords(supervisor, durable);
    }

    /// <summary>True for simple_one_for_one.</summary>
    public bool IsSimple => _template is not null;

    private Node Node => _supervisor.Node;

    /// <summary>The table of a simple_one_for_one supervisor with this template.</summary>
    public static DynamicChildren ForSimpleOneForOne(SupervisorServer supervisor, SupervisorFlags flags, ChildSpec template) =>
        new(supervisor, template, null, [], flags.Durable);

    /// <summary>The table of a DynamicSupervisor with these options (checked with <see cref="Check"/>).</summary>
    public static DynamicChildren ForDynamicSupervisor(SupervisorServer supervisor, DynamicSupervisorOptions options) =>
        new(supervisor, null, options.MaxChildren, options.ExtraArguments, options.Durable);

    /// <summary>A simple_one_for_one supervisor's child list: exactly one valid template.</summary>
    public static ExitReason? CheckTemplate(IReadOnlyList<ChildSpec>? specs) =>
        specs is not { Count: 1 } ? SupervisorErrors.Term("bad_start_spec", specs)
        : SpecValidator.Check(specs[0], AutoShutdown.Never) is { } error ? SupervisorErrors.Term("start_spec", error)
        : null;

    /// <summary>A DynamicSupervisor's options, with Elixir's error terms.</summary>
    public static ExitReason? Check(DynamicSupervisorOptions options) =>
        options.MaxRestarts < 0 ? SupervisorErrors.Term("invalid_intensity", options.MaxRestarts)
        : SpecValidator.CheckPeriod(options.MaxSeconds) is { } period ? period
        : options.MaxChildren < 0 ? SupervisorErrors.Term("invalid_max_children", options.MaxChildren)
        : options.ExtraArguments is null ? SupervisorErrors.Term("invalid_extra_arguments", (object?)null)
        : options.Durable is { Store: null } ? SupervisorErrors.Term("invalid_durable", "DurableChildren.Store is null")
        : null;

    /// <summary>
    /// What a DynamicSupervisor refuses before calling it (Elixir validates in the caller): an invalid spec, or a
    /// significant child.
    /// </summary>
    public static ExitReason? CheckChild(ChildSpec? spec) =>
        SpecValidator.Check(spec, null) is { } invalid ? invalid
        : spec!.Significant ? SupervisorErrors.Term("invalid_significant", true)
        : null;

    public ValueTask<InitResult> InitAsync() => _durable?.RestoreAsync(this) ?? ValueTask.FromResult(InitResult.Ok());

    public ValueTask<StartResult> StartChildAsync(ChildSpec spec) =>
        IsSimple ? ValueTask.FromResult(StartResult.Fail(SupervisorErrors.SimpleOneForOne)) : StartDynamicAsync(spec, null);

    public ValueTask<StartResult> StartTemplateChildAsync(IReadOnlyList<object?> extraArguments) =>
        IsSimple ? StartFromTemplateAsync(extraArguments, null) : ValueTask.FromResult(StartResult.Fail(SupervisorErrors.Term("invalid_child_spec", extraArguments)));

    /// <summary>Starts a child of the template; a restored durable child passes its <paramref name="durableKey"/>.</summary>
    public async ValueTask<StartResult> StartFromTemplateAsync(IReadOnlyList<object?> extra, long? durableKey)
    {
        var template = _template!;
        var args = extra.Count == 0 ? template.Arguments : [.. template.Arguments, .. extra];
        var result = await _supervisor.StartProcessAsync(template, args).ConfigureAwait(false);
        if (!result.IsOk)
        {
            return result.IsIgnore ? StartResult.Ok(Pid.None) : result;
        }

        var child = new DynamicChild(template, args, result.Pid) { DurableKey = durableKey };
        Store(child);
        return durableKey is null && _durable is not null ? await _durable.RecordAsync(this, child, template.Id, extra, null, result).ConfigureAwait(false) : result;
    }

    /// <summary>Starts a DynamicSupervisor child; a restored durable child passes its <paramref name="durableKey"/>.</summary>
    public async ValueTask<StartResult> StartDynamicAsync(ChildSpec spec, long? durableKey)
    {
        if (CheckChild(spec) is { } invalid)
        {
            return StartResult.Fail(invalid);
        }

        if (_children.Count >= _maxChildren)
        {
            return StartResult.Fail(SupervisorErrors.MaxChildren);
        }

        var args = _extraArguments.Count == 0 ? spec.Arguments : [.. _extraArguments, .. spec.Arguments];
        var result = await _supervisor.StartProcessAsync(spec, args).ConfigureAwait(false);
        if (!result.IsOk)
        {
            return result;
        }

        var child = new DynamicChild(spec, args, result.Pid) { DurableKey = durableKey };
        Store(child);
        return durableKey is null && _durable is not null ? await _durable.RecordAsync(this, child, spec.Id, spec.Arguments, spec, result).ConfigureAwait(false) : result;
    }

    public async ValueTask<SupervisorResult> TerminateChildAsync(object key)
    {
        if (key is not Pid pid)
        {
            return SupervisorResult.Fail(IsSimple ? SupervisorErrors.SimpleOneForOne : SupervisorErrors.NotFound);
        }

        if (!_children.TryGetValue(pid, out var child))
        {
            // simple_one_for_one answers ok for a dead pid; DynamicSupervisor answers not_found.
            return IsSimple && !pid.IsAlive && !pid.IsNone ? SupervisorResult.Ok : SupervisorResult.Fail(SupervisorErrors.NotFound);
        }

        if (!child.Restarting)
        {
            await StopAsync(child).ConfigureAwait(false);
        }

        Forget(child);
        _durable?.Unrecord(child);
        return SupervisorResult.Ok;
    }

    public ValueTask<StartResult> RestartChildAsync(object id) =>
        ValueTask.FromResult(StartResult.Fail(IsSimple ? SupervisorErrors.SimpleOneForOne : SupervisorErrors.NotFound));

    public SupervisorResult DeleteChild(object id) => SupervisorResult.Fail(IsSimple ? SupervisorErrors.SimpleOneForOne : SupervisorErrors.NotFound);

    public ChildSpec? GetChildSpec(object key) => key is Pid pid && _children.TryGetValue(pid, out var child) ? child.Spec : null;

    public ChildLookup WhichChild(object key) => key switch
    {
        Pid pid when _children.TryGetValue(pid, out var child) => ChildLookup.Found(child.Info()),
        Pid => ChildLookup.Fail(SupervisorErrors.NotFound),
        _ => ChildLookup.Fail(IsSimple ? SupervisorErrors.SimpleOneForOne : SupervisorErrors.NotFound),
    };

    public IReadOnlyList<ChildInfo> WhichChildren()
    {
        var list = new List<ChildInfo>(_children.Count);
        foreach (var child in _children.Values)
        {
            list.Add(child.Info());
        }

        return list;
    }

    public ChildCounts CountChildren()
    {
        AssertCounts();
        var count = _children.Count;
        var active = count - _restarting;
        if (_template is { } template)
        {
            return template.Type == ChildType.Supervisor ? new ChildCounts(1, active, count, 0) : new ChildCounts(1, active, 0, count);
        }

        return new ChildCounts(count, active, _supervisors, count - _supervisors);
    }

    public async ValueTask<bool> OnExitAsync(Pid from, ExitReason reason)
    {
        if (!_children.TryGetValue(from, out var child) || child.Restarting)
        {
            return true;
        }

        child.LastExit = reason;
        if (!_supervisor.OnChildExited(child.Spec, null, from, reason))
        {
            Forget(child);
            _durable?.Unrecord(child);
            return true;
        }

        return await RestartAsync(child).ConfigureAwait(false);
    }

    public ValueTask<bool> RetryAsync(object key) =>
        key is Pid pid && _children.TryGetValue(pid, out var child) && child.Restarting ? RestartAsync(child) : ValueTask.FromResult(true);

    public async ValueTask TerminateAllAsync()
    {
        var stopping = new List<Stopping>(_children.Count);
        foreach (var child in _children.Values)
        {
            if (!child.Restarting)
            {
                stopping.Add(new Stopping(child.Spec, child.Pid, null));
            }
        }

        await _supervisor.ShutdownAsync(stopping).ConfigureAwait(false);
        _children.Clear();
        _restarting = 0;
        _supervisors = 0;
    }

    /// <summary>Stops a child that has just started, when its record could not be written.</summary>
    public async ValueTask StopAndForgetAsync(DynamicChild child)
    {
        await StopAsync(child).ConfigureAwait(false);
        Forget(child);
    }

    private ValueTask StopAsync(DynamicChild child) => _supervisor.ShutdownAsync(new Stopping(child.Spec, child.Pid, null));

    private async ValueTask<bool> RestartAsync(DynamicChild child)
    {
        Forget(child);
        if (!_supervisor.AddRestart(null))
        {
            return false;
        }

        child.Restarting = false;
        var result = await _supervisor.StartProcessAsync(child.Spec, child.Args).ConfigureAwait(false);
        if (result.IsError)
        {
            Node.Log.StartError(_supervisor.Name, null, result.Error!);
            child.Restarting = true;
            Store(child);
            _supervisor.RetryLater(child.Pid);
            return true;
        }

        if (result.IsIgnore)
        {
            _durable?.Unrecord(child);
            return true;
        }

        child.Pid = result.Pid;
        child.Restarts++;
        Store(child);
        Node.Log.ChildRestarted(_supervisor.Name, null, child.Pid);
        return true;
    }

    private void Store(DynamicChild child)
    {
        Debug.Assert(!_children.ContainsKey(child.Pid), "a pid is stored once");
        _children[child.Pid] = child;
        _restarting += child.Restarting ? 1 : 0;
        _supervisors += child.Spec.Type == ChildType.Supervisor ? 1 : 0;
    }

    private void Forget(DynamicChild child)
    {
        if (_children.Remove(child.Pid))
        {
            _restarting -= child.Restarting ? 1 : 0;
            _supervisors -= child.Spec.Type == ChildType.Supervisor ? 1 : 0;
        }

        Debug.Assert(_restarting >= 0 && _supervisors >= 0, "the counts never go below zero");
    }

    [Conditional("DEBUG")]
    private void AssertCounts()
    {
        Debug.Assert(_restarting == _children.Values.Count(c => c.Restarting), "the restarting count matches the table");
        Debug.Assert(_supervisors == _children.Values.Count(c => c.Spec.Type == ChildType.Supervisor), "the supervisor count matches the table");
    }
}
