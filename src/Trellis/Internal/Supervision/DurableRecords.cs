namespace Trellis.Internal;

/// <summary>Durable dynamic children (seed 001, 3.3): recorded when started, forgotten when gone, started again at init.</summary>
internal sealed class DurableRecords(SupervisorServer supervisor, DurableChildren durable)
{
    private string Name => supervisor.Name;

    private Node Node => supervisor.Node;

    /// <summary>
    /// Records a child that has just started. The start is acknowledged only once the record is durable; if the store
    /// fails, the child is shut down again and the start answers the store's error.
    /// </summary>
    public async ValueTask<StartResult> RecordAsync(DynamicChildren table, DynamicChild child, object id, IReadOnlyList<object?> arguments, ChildSpec? spec, StartResult started)
    {
        if (child.Spec.Restart == RestartType.Temporary)
        {
            return started;
        }

        try
        {
            child.DurableKey = durable.Store.Add(id, arguments, spec);
            return started;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            Node.Log.DurableStoreFailed(Name, "the child is not started", ex);
            await table.StopAndForgetAsync(child).ConfigureAwait(false);
            return StartResult.Fail(SupervisorErrors.Term("durable_store", ex.Message));
        }
    }

    /// <summary>Forgets a child that was terminated or exited for good.</summary>
    public void Unrecord(DynamicChild child)
    {
        if (child.DurableKey is not { } key)
        {
            return;
        }

        child.DurableKey = null;
        try
        {
            durable.Store.Remove(key);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The child is gone either way; if the store kept it, it is started again (and exits again) after a restart.
            Node.Log.DurableStoreFailed(Name, "a terminated child stays recorded", ex);
        }
    }

    /// <summary>Starts every recorded child again, in the order they were first started; ones that cannot start are forgotten.</summary>
    public async ValueTask<InitResult> RestoreAsync(DynamicChildren table)
    {
        IReadOnlyList<StoredChild> stored;
        try
        {
            stored = durable.Store.Load();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            Node.Log.DurableStoreFailed(Name, "the supervisor does not start", ex);
            return InitResult.Stop(ExitReason.Of(new ErrorTerm("durable_store", ex.Message)));
        }

        // Without a Rebuild, children read back without a spec cannot start: refuse to start rather than forget them.
        if (!table.IsSimple && durable.Rebuild is null && stored.FirstOrDefault(e => e.Spec is null) is { } orphan)
        {
            return InitResult.Stop(ExitReason.Of(new ErrorTerm("durable_store", $"child {orphan.Id} was read back without a spec and DurableChildren.Rebuild is not set")));
        }

        var restored = 0;
        foreach (var entry in stored)
        {
            StartResult result;
            if (table.IsSimple)
            {
                result = await table.StartFromTemplateAsync(entry.Arguments, entry.Key).ConfigureAwait(false);
            }
            else if ((entry.Spec ?? durable.Rebuild?.Invoke(entry)) is { } spec)
            {
                result = await table.StartDynamicAsync(spec, entry.Key).ConfigureAwait(false);
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

            Node.Log.DurableChildDropped(Name, entry.Id, result.ToString());
            try
            {
                durable.Store.Remove(entry.Key);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Node.Log.DurableStoreFailed(Name, "a child that could not start stays recorded", ex);
            }
        }

        if (stored.Count > 0)
        {
            Node.Log.DurableChildrenRestored(Name, restored);
        }

        return InitResult.Ok();
    }
}
