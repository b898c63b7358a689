namespace Trellis.Internal;

/// <summary>Durable dynamic children (seed 001, 3.3): recorded when started, forgotten when gone, started again at init.</summary>
internal sealed partial class SupervisorServer
{
    /// <summary>
    /// Records a child that has just started. The start is acknowledged only once the record is durable; if the store
    /// fails, the child is shut down again and the start answers the store's error.
    /// </summary>
    private async ValueTask<StartResult> RecordAsync(DynamicChild child, object id, IReadOnlyList<object?> arguments, ChildSpec? spec, StartResult started)
    {
        if (_durable is null || child.Spec.Restart == RestartType.Temporary)
        {
            return started;
        }

        try
        {
            child.DurableKey = _durable.Store.Add(id, arguments, spec);
            return started;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            Node.Log.DurableStoreFailed(_name, "the child is not started", ex);
            await ShutdownOneAsync(new Stopping(child.Spec, child.Pid, null)).ConfigureAwait(false);
            Forget(child);
            return StartResult.Fail(SupervisorErrors.Term("durable_store", ex.Message));
        }
    }

    /// <summary>Forgets a child that was terminated or exited for good.</summary>
    private void Unrecord(DynamicChild child)
    {
        if (_durable is null || child.DurableKey is not { } key)
        {
            return;
        }

        child.DurableKey = null;
        try
        {
            _durable.Store.Remove(key);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The child is gone either way; if the store kept it, it is started again (and exits again) after a restart.
            Node.Log.DurableStoreFailed(_name, "a terminated child stays recorded", ex);
        }
    }

    /// <summary>Starts every recorded child again, in the order they were first started; ones that cannot start are forgotten.</summary>
    private async ValueTask<InitResult> RestoreDurableAsync()
    {
        if (_durable is null)
        {
            return InitResult.Ok();
        }

        IReadOnlyList<StoredChild> stored;
        try
        {
            stored = _durable.Store.Load();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            Node.Log.DurableStoreFailed(_name, "the supervisor does not start", ex);
            return InitResult.Stop(ExitReason.Of(new ErrorTerm("durable_store", ex.Message)));
        }

        // Without a Rebuild, children read back without a spec cannot start: refuse to start rather than forget them.
        if (_mode != SupervisorMode.Simple && _durable.Rebuild is null && stored.FirstOrDefault(e => e.Spec is null) is { } orphan)
        {
            return InitResult.Stop(ExitReason.Of(new ErrorTerm("durable_store", $"child {orphan.Id} was read back without a spec and DurableChildren.Rebuild is not set")));
        }

        var restored = 0;
        foreach (var entry in stored)
        {
            StartResult result;
            if (_mode == SupervisorMode.Simple)
            {
                result = await StartTemplateChildAsync(entry.Arguments, entry.Key).ConfigureAwait(false);
            }
            else if ((entry.Spec ?? _durable.Rebuild?.Invoke(entry)) is { } spec)
            {
                result = await StartDynamicChildAsync(spec, entry.Key).ConfigureAwait(false);
            }
            else
            {
                result = StartResult.Fail(SupervisorErrors.Term("no_rebuild", entry.Id));
            }

            if (result.IsOk && !result.Pid.IsNone)
            {
                restored++;
                continue;
            }

            Node.Log.DurableChildDropped(_name, entry.Id, result.ToString());
            try
            {
                _durable.Store.Remove(entry.Key);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Node.Log.DurableStoreFailed(_name, "a child that could not start stays recorded", ex);
            }
        }

        if (stored.Count > 0)
        {
            Node.Log.DurableChildrenRestored(_name, restored);
        }

        return InitResult.Ok();
    }
}
