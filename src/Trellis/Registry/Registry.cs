using Trellis.Internal;

namespace Trellis;

/// <summary>
/// Elixir's <c>Registry</c>: a local key-value process registry. Processes register themselves under keys (unique or
/// duplicate) with a value; entries are removed automatically when their owner exits for any reason; lookups are
/// lock-free reads of the partitions' tables and never see a dead owner. The registry is a supervisor with one process
/// per partition, each linked to the processes registered in it, so a killed registry takes non-trapping registrants
/// with it. Registered names (<see cref="Via"/>) let GenServers and supervisor children be started under a key.
/// </summary>
public static class Registry
{
    /// <summary>Starts a registry linked to <paramref name="parent"/>.</summary>
    /// <param name="parent">The calling process.</param>
    /// <param name="options">The registry's options.</param>
    /// <param name="cancellationToken">Stops waiting for the start: the starting process is killed and the call throws <see cref="OperationCanceledException"/>.</param>
    /// <returns><c>{ok, Pid}</c> with the registry supervisor, or an error such as <c>{already_started, Pid}</c>.</returns>
    public static ValueTask<StartResult> StartLinkAsync(ProcessContext parent, RegistryOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parent);
        return StartCoreAsync(parent, parent.Node, options, cancellationToken);
    }

    /// <summary>Starts a registry linked to no process.</summary>
    /// <param name="node">The node.</param>
    /// <param name="options">The registry's options.</param>
    /// <param name="cancellationToken">Stops waiting for the start: the starting process is killed and the call throws <see cref="OperationCanceledException"/>.</param>
    /// <returns><c>{ok, Pid}</c> with the registry supervisor, or an error.</returns>
    public static ValueTask<StartResult> StartAsync(Node node, RegistryOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        return StartCoreAsync(null, node, options, cancellationToken);
    }

    /// <summary>A child spec that starts the registry under a supervisor (id: the registry's name; a supervisor child).</summary>
    /// <param name="options">The registry's options.</param>
    /// <returns>The spec.</returns>
    public static ChildSpec Spec(RegistryOptions options)
    {
        Validate(options);
        return new ChildSpec
        {
            Id = options.Name,
            Start = (sup, _) => StartCoreAsync(sup, sup.Node, options, CancellationToken.None),
            Type = ChildType.Supervisor,
            Modules = ["Registry"],
        };
    }

    /// <summary>A name under which a process is registered in <paramref name="registry"/> (Elixir's <c>{:via, Registry, …}</c>).</summary>
    /// <param name="registry">The registry's name.</param>
    /// <param name="key">The key.</param>
    /// <param name="value">The value stored with it.</param>
    /// <returns>The name, for <see cref="GenServerOptions.Via"/>.</returns>
    public static ViaName Via(string registry, object key, object? value = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(registry);
        ArgumentNullException.ThrowIfNull(key);
        return new ViaName(registry, key, value);
    }

    /// <summary>
    /// Registers the calling process under <paramref name="key"/> with <paramref name="value"/>, and links it to the
    /// partition that holds the key.
    /// </summary>
    /// <param name="self">The calling process: a process registers only itself.</param>
    /// <param name="registry">The registry's name.</param>
    /// <param name="key">The key, compared with <see cref="object.Equals(object?)"/> (so 1 and 1.0 differ).</param>
    /// <param name="value">The value.</param>
    /// <returns><c>{ok, Partition}</c>, or for a unique key held by a live process <c>{error, {already_registered, Pid}}</c>.</returns>
    /// <exception cref="ArgumentException">The registry is not running.</exception>
    public static StartResult Register(ProcessContext self, string registry, object key, object? value = null)
    {
        ArgumentNullException.ThrowIfNull(self);
        ArgumentNullException.ThrowIfNull(key);
        var owner = (LocalProcess)self;
        var table = Find(self.Node, registry);
        var (ok, holder, partition) = Insert(table, owner, key, value);
        if (!ok)
        {
            return holder.IsNone
                ? throw new ArgumentException($"unknown registry: {registry} (it is not running)", nameof(registry))
                : StartResult.Fail(ExitReason.Of(new AlreadyRegistered(holder)));
        }

        if (table.Listeners.Length > 0)
        {
            table.Notify(self.Node, new RegistryRegistered(registry, key, owner.Self, value));
        }

        return StartResult.Ok(partition);
    }

    /// <summary>Removes every entry of the calling process under <paramref name="key"/>; succeeds when there was none.</summary>
    /// <param name="self">The calling process.</param>
    /// <param name="registry">The registry's name.</param>
    /// <param name="key">The key.</param>
    public static void Unregister(ProcessContext self, string registry, object key)
    {
        ArgumentNullException.ThrowIfNull(self);
        ArgumentNullException.ThrowIfNull(key);
        var owner = (LocalProcess)self;
        var table = Find(self.Node, registry);
        var removed = table.For(key, owner).RemoveOwned(owner, r => Equals(r.Key, key));
        if (removed.Count > 0 && table.Listeners.Length > 0)
        {
            table.Notify(self.Node, new RegistryUnregistered(registry, key, owner.Self));
        }
    }

    /// <summary>Removes the calling process's entries under <paramref name="key"/> whose value matches.</summary>
    /// <param name="self">The calling process.</param>
    /// <param name="registry">The registry's name.</param>
    /// <param name="key">The key.</param>
    /// <param name="match">The pattern and guard, as a predicate on the value.</param>
    public static void UnregisterMatch(ProcessContext self, string registry, object key, Func<object?, bool> match)
    {
        ArgumentNullException.ThrowIfNull(self);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(match);
        var owner = (LocalProcess)self;
        var table = Find(self.Node, registry);
        var removed = table.For(key, owner).RemoveOwned(owner, r => Equals(r.Key, key) && match(r.Value));
        if (removed.Count > 0 && table.Listeners.Length > 0)
        {
            table.Notify(self.Node, new RegistryUnregistered(registry, key, owner.Self));
        }
    }

    /// <summary>The live entries under <paramref name="key"/>: at most one for a unique registry.</summary>
    /// <param name="node">The node.</param>
    /// <param name="registry">The registry's name.</param>
    /// <param name="key">The key.</param>
    /// <returns>The entries, in registration order within a partition.</returns>
    public static IReadOnlyList<RegistryEntry> Lookup(Node node, string registry, object key)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(key);
        var table = Find(node, registry);
        if (table.Kind == RegistryKeys.Unique)
        {
            return table.ForKey(key).LookupUnique(key) is { Owner.IsAlive: true } record ? [record.ToEntry()] : [];
        }

        List<RegistryEntry>? found = null;
        foreach (var partition in table.Partitions)
        {
            foreach (var record in partition.LookupDuplicate(key))
            {
                if (record.Owner.IsAlive)
                {
                    (found ??= []).Add(record.ToEntry());
                }
            }
        }

        return found ?? (IReadOnlyList<RegistryEntry>)[];
    }

    /// <summary>The process registered under a unique key, or <see cref="Pid.None"/> (<c>whereis_name</c>).</summary>
    /// <param name="node">The node.</param>
    /// <param name="registry">The registry's name.</param>
    /// <param name="key">The key.</param>
    /// <returns>The pid, or <see cref="Pid.None"/> when the key is free.</returns>
    public static Pid WhereIs(Node node, string registry, object key)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(key);
        var table = Find(node, registry);
        if (table.Kind != RegistryKeys.Unique)
        {
            throw new ArgumentException($"registry {registry} has duplicate keys: a name needs a unique registry", nameof(registry));
        }

        return table.ForKey(key).LookupUnique(key) is { Owner.IsAlive: true } record ? record.Owner.Self : Pid.None;
    }

    /// <summary>The live entries under <paramref name="key"/> whose value matches (<c>match/4</c> with a guard).</summary>
    /// <param name="node">The node.</param>
    /// <param name="registry">The registry's name.</param>
    /// <param name="key">The key.</param>
    /// <param name="match">The pattern and guard, as a predicate on the value.</param>
    /// <returns>The matching entries.</returns>
    public static IReadOnlyList<RegistryEntry> Match(Node node, string registry, object key, Func<object?, bool> match)
    {
        ArgumentNullException.ThrowIfNull(match);
        return [.. Lookup(node, registry, key).Where(e => match(e.Value))];
    }

    /// <summary>The number of live entries under <paramref name="key"/> whose value matches.</summary>
    /// <param name="node">The node.</param>
    /// <param name="registry">The registry's name.</param>
    /// <param name="key">The key.</param>
    /// <param name="match">The pattern and guard, as a predicate on the value.</param>
    /// <returns>The count.</returns>
    public static int CountMatch(Node node, string registry, object key, Func<object?, bool> match) => Match(node, registry, key, match).Count;

    /// <summary>The keys <paramref name="pid"/> is registered under, in registration order per partition.</summary>
    /// <param name="node">The node.</param>
    /// <param name="registry">The registry's name.</param>
    /// <param name="pid">The process.</param>
    /// <returns>The keys (a key registered twice in a duplicate registry appears twice); empty for a dead process.</returns>
    public static IReadOnlyList<object> Keys(Node node, string registry, Pid pid)
    {
        ArgumentNullException.ThrowIfNull(node);
        var table = Find(node, registry);
        if (pid.Process is not { IsAlive: true } owner)
        {
            return [];
        }

        var keys = new List<object>();
        foreach (var partition in table.Partitions)
        {
            keys.AddRange(partition.Owned(owner).Select(r => r.Key));
        }

        return keys;
    }

    /// <summary>The number of entries in the registry (<c>count/1</c>).</summary>
    /// <param name="node">The node.</param>
    /// <param name="registry">The registry's name.</param>
    /// <returns>The count.</returns>
    public static int Count(Node node, string registry)
    {
        ArgumentNullException.ThrowIfNull(node);
        return Find(node, registry).Partitions.Sum(p => p.Count);
    }

    /// <summary>
    /// Replaces the calling process's value under a unique key (<c>update_value/3</c>).
    /// </summary>
    /// <param name="self">The calling process.</param>
    /// <param name="registry">The registry's name (unique keys only).</param>
    /// <param name="key">The key.</param>
    /// <param name="update">Maps the old value to the new one.</param>
    /// <returns><c>(true, New, Old)</c>, or <c>(false, null, null)</c> (<c>:error</c>) when the caller does not hold the key.</returns>
    public static (bool Updated, object? New, object? Old) UpdateValue(ProcessContext self, string registry, object key, Func<object?, object?> update)
    {
        ArgumentNullException.ThrowIfNull(self);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(update);
        var table = Find(self.Node, registry);
        if (table.Kind != RegistryKeys.Unique)
        {
            throw new ArgumentException($"update_value is only for unique registries, and {registry} has duplicate keys", nameof(registry));
        }

        if (table.ForKey(key).LookupUnique(key) is not { } record || !ReferenceEquals(record.Owner, self))
        {
            return (false, null, null);
        }

        var old = record.Value;
        var value = update(old);
        record.Value = value;
        return (true, value, old);
    }

    /// <summary>
    /// Calls <paramref name="action"/> with the live entries under <paramref name="key"/>, once per partition that holds
    /// any; never with an empty list (<c>dispatch/4</c>).
    /// </summary>
    /// <param name="node">The node.</param>
    /// <param name="registry">The registry's name.</param>
    /// <param name="key">The key.</param>
    /// <param name="action">What to do with each partition's entries.</param>
    /// <param name="parallel">Run the partitions' calls at once, on the thread pool, and wait for all of them.</param>
    /// <returns>A task that completes when every call has returned; it faults if one threw.</returns>
    public static async Task DispatchAsync(Node node, string registry, object key, Action<IReadOnlyList<RegistryEntry>> action, bool parallel = false)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(action);
        var table = Find(node, registry);
        var batches = new List<RegistryEntry[]>();
        if (table.Kind == RegistryKeys.Unique)
        {
            if (table.ForKey(key).LookupUnique(key) is { Owner.IsAlive: true } record)
            {
                batches.Add([record.ToEntry()]);
            }
        }
        else
        {
            foreach (var partition in table.Partitions)
            {
                var live = partition.LookupDuplicate(key).Where(r => r.Owner.IsAlive).Select(r => r.ToEntry()).ToArray();
                if (live.Length > 0)
                {
                    batches.Add(live);
                }
            }
        }

        if (!parallel || batches.Count < 2)
        {
            foreach (var batch in batches)
            {
                action(batch);
            }

            return;
        }

        await Task.WhenAll(batches.Select(b => Task.Run(() => action(b)))).ConfigureAwait(false);
    }

    /// <summary>The registry's metadata under <paramref name="key"/>.</summary>
    /// <param name="node">The node.</param>
    /// <param name="registry">The registry's name.</param>
    /// <param name="key">The metadata key.</param>
    /// <param name="value">The value, when present.</param>
    /// <returns>True when the key is present (<c>{:ok, value}</c>), false for <c>:error</c>.</returns>
    public static bool Meta(Node node, string registry, object key, out object? value)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(key);
        return Find(node, registry).Meta.TryGetValue(key, out value);
    }

    /// <summary>Sets the registry's metadata under <paramref name="key"/>.</summary>
    /// <param name="node">The node.</param>
    /// <param name="registry">The registry's name.</param>
    /// <param name="key">The metadata key.</param>
    /// <param name="value">The value.</param>
    public static void PutMeta(Node node, string registry, object key, object? value)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(key);
        Find(node, registry).Meta[key] = value;
    }

    /// <summary>Registers a process that has not started yet under a via name; used by GenServer's start.</summary>
    internal static StartResult? RegisterName(Node node, ViaName via, LocalProcess process)
    {
        var table = Find(node, via.Registry);
        if (table.Kind != RegistryKeys.Unique)
        {
            throw new ArgumentException(":via is not supported for duplicate registries", nameof(via));
        }

        var (ok, holder, _) = Insert(table, process, via.Key, via.Value);
        if (ok)
        {
            if (table.Listeners.Length > 0)
            {
                table.Notify(node, new RegistryRegistered(via.Registry, via.Key, process.Self, via.Value));
            }

            return null;
        }

        return holder.IsNone
            ? throw new ArgumentException($"unknown registry: {via.Registry} (it is not running)", nameof(via))
            : StartResult.Fail(ExitReason.Of(new AlreadyStarted(holder)));
    }

    private static (bool Ok, Pid Holder, Pid Partition) Insert(RegistryTable table, LocalProcess owner, object key, object? value)
    {
        var partition = table.For(key, owner);
        var record = new RegistryRecord(owner, key, value);
        if (table.Kind == RegistryKeys.Unique)
        {
            if (!partition.TryInsertUnique(record, out var holder))
            {
                return (false, holder, default);
            }
        }
        else
        {
            partition.InsertDuplicate(record);
        }

        if (!partition.Attach(record))
        {
            if (!owner.IsAlive)
            {
                throw new ProcessExitedException(owner.ExitReasonOrNull!);
            }

            return (false, default, default);
        }

        return (true, default, partition.Process!.Self);
    }

    private static RegistryTable Find(Node node, string registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return node.Registries.TryGetValue(registry, out var table) && table.Supervisor is { IsAlive: true }
            ? table
            : throw new ArgumentException($"unknown registry: {registry}", nameof(registry));
    }

    private static void Validate(RegistryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.Name, "options.Name");
        if (options.Partitions < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Partitions, "options.Partitions must be at least 1");
        }

        if (options.Keys is not (RegistryKeys.Unique or RegistryKeys.Duplicate))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Keys, "options.Keys must be Unique or Duplicate");
        }

        ArgumentNullException.ThrowIfNull(options.Listeners, "options.Listeners");
        ArgumentNullException.ThrowIfNull(options.Meta, "options.Meta");
    }

    private static async ValueTask<StartResult> StartCoreAsync(ProcessContext? parent, Node node, RegistryOptions options, CancellationToken cancellationToken)
    {
        Validate(options);
        var holder = node.WhereIs(options.Name);
        if (!holder.IsNone)
        {
            return StartResult.Fail(ExitReason.Of(new AlreadyStarted(holder)));
        }

        var table = new RegistryTable(options);
        var partitions = new List<ChildSpec>(table.Partitions.Length);
        for (var i = 0; i < table.Partitions.Length; i++)
        {
            var partition = table.Partitions[i];
            partitions.Add(new ChildSpec
            {
                Id = i,
                Start = (sup, _) =>
                {
                    var supervisor = sup.Self;
                    // Trapping from its first instant: a registrant that exits before the partition first runs must not kill it.
                    var pid = ((LocalProcess)sup).SpawnLinkTrapping(ctx => partition.RunAsync(ctx, supervisor));
                    partition.Process = pid.Process;
                    return new(StartResult.Ok(pid));
                },
                Modules = ["Registry.Partition"],
            });
        }

        // Any partition's death ends the registry: its parent restarts it with fresh tables, as Elixir's does.
        var flags = new SupervisorFlags { Strategy = Strategy.OneForAll, Intensity = 0, Period = TimeSpan.FromSeconds(1) };
        var started = parent is null
            ? await Supervisor.StartAsync(node, partitions, flags, options.Name, cancellationToken).ConfigureAwait(false)
            : await Supervisor.StartLinkAsync(parent, partitions, flags, options.Name, cancellationToken).ConfigureAwait(false);
        if (started.IsOk)
        {
            table.Supervisor = started.Pid.Process;
            node.Registries[options.Name] = table;
        }

        return started;
    }
}
