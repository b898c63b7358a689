using System.Collections.Concurrent;

namespace Trellis.Internal;

/// <summary>
/// One partition of a registry: its key table, the index from owner to its records, and the process that is linked
/// to every owner and removes an owner's records when the owner exits.
/// </summary>
internal sealed class RegistryPartition(RegistryTable table)
{
    private readonly ConcurrentDictionary<object, RegistryRecord> _unique = new();
    private readonly ConcurrentDictionary<object, DuplicateBucket> _duplicate = new();
    private readonly ConcurrentDictionary<LocalProcess, OwnerRecords> _owners = new();

    public RegistryTable Table { get; } = table;

    public LocalProcess? Process { get; set; }

    public int Count => Table.Kind == RegistryKeys.Unique ? _unique.Count : _duplicate.Values.Sum(b => b.Records.Length);

    /// <summary>Inserts a unique key, or answers the live holder. A dead holder not yet cleaned up is replaced.</summary>
    public bool TryInsertUnique(RegistryRecord record, out Pid holder)
    {
        while (true)
        {
            if (_unique.TryAdd(record.Key, record))
            {
                holder = default;
                return true;
            }

            if (!_unique.TryGetValue(record.Key, out var existing))
            {
                continue;
            }

            if (existing.Owner.IsAlive)
            {
                holder = existing.Owner.Self;
                return false;
            }

            if (_unique.TryUpdate(record.Key, record, existing))
            {
                holder = default;
                return true;
            }
        }
    }

    public void InsertDuplicate(RegistryRecord record)
    {
        while (true)
        {
            var bucket = _duplicate.GetOrAdd(record.Key, static _ => new DuplicateBucket());
            lock (bucket)
            {
                if (bucket.Dead)
                {
                    continue;
                }

                bucket.Records = [.. bucket.Records, record];
                return;
            }
        }
    }

    public void RemoveFromTable(RegistryRecord record)
    {
        if (Table.Kind == RegistryKeys.Unique)
        {
            _unique.TryRemove(new KeyValuePair<object, RegistryRecord>(record.Key, record));
            return;
        }

        if (!_duplicate.TryGetValue(record.Key, out var bucket))
        {
            return;
        }

        lock (bucket)
        {
            var index = Array.IndexOf(bucket.Records, record);
            if (index < 0)
            {
                return;
            }

            if (bucket.Records.Length == 1)
            {
                bucket.Records = [];
                bucket.Dead = true;
                _duplicate.TryRemove(new KeyValuePair<object, DuplicateBucket>(record.Key, bucket));
                return;
            }

            var left = new RegistryRecord[bucket.Records.Length - 1];
            Array.Copy(bucket.Records, 0, left, 0, index);
            Array.Copy(bucket.Records, index + 1, left, index, left.Length - index);
            bucket.Records = left;
        }
    }

    /// <summary>Records <paramref name="record"/> under its owner and links the owner to this partition.</summary>
    /// <returns>False when the owner or the partition is dead; the record is then removed again.</returns>
    public bool Attach(RegistryRecord record)
    {
        var owner = record.Owner;
        while (true)
        {
            var records = _owners.GetOrAdd(owner, static _ => new OwnerRecords());
            lock (records)
            {
                if (records.Dead)
                {
                    if (!owner.IsAlive)
                    {
                        break;
                    }

                    continue;
                }

                records.Records.Add(record);
            }

            if (Process is { } partition && LocalProcess.TryLink(partition, owner))
            {
                return true;
            }

            break;
        }

        Detach(record);
        RemoveFromTable(record);
        return false;
    }

    /// <summary>Removes the owner's records that <paramref name="match"/> selects; unlinks the owner when none is left.</summary>
    public List<RegistryRecord> RemoveOwned(LocalProcess owner, Func<RegistryRecord, bool> match)
    {
        var removed = new List<RegistryRecord>();
        if (!_owners.TryGetValue(owner, out var records))
        {
            return removed;
        }

        bool empty;
        lock (records)
        {
            if (records.Dead)
            {
                return removed;
            }

            records.Records.RemoveAll(r =>
            {
                if (!match(r))
                {
                    return false;
                }

                removed.Add(r);
                return true;
            });
            empty = records.Records.Count == 0;
            if (empty)
            {
                records.Dead = true;
                _owners.TryRemove(new KeyValuePair<LocalProcess, OwnerRecords>(owner, records));
            }
        }

        foreach (var record in removed)
        {
            RemoveFromTable(record);
        }

        if (empty && Process is { } partition)
        {
            owner.Unlink(partition.Self);
        }

        return removed;
    }

    /// <summary>The partition process saw the owner exit: every record of the owner goes.</summary>
    public void OwnerExited(LocalProcess owner)
    {
        if (!_owners.TryRemove(owner, out var records))
        {
            return;
        }

        RegistryRecord[] all;
        lock (records)
        {
            records.Dead = true;
            all = [.. records.Records];
            records.Records.Clear();
        }

        foreach (var record in all)
        {
            RemoveFromTable(record);
        }
    }

    public RegistryRecord? LookupUnique(object key) => _unique.TryGetValue(key, out var record) ? record : null;

    public RegistryRecord[] LookupDuplicate(object key) => _duplicate.TryGetValue(key, out var bucket) ? bucket.Records : [];

    public List<RegistryRecord> Owned(LocalProcess owner)
    {
        if (!_owners.TryGetValue(owner, out var records))
        {
            return [];
        }

        lock (records)
        {
            return records.Dead ? [] : [.. records.Records];
        }
    }

    private void Detach(RegistryRecord record)
    {
        if (!_owners.TryGetValue(record.Owner, out var records))
        {
            return;
        }

        lock (records)
        {
            records.Records.Remove(record);
            if (records.Records.Count == 0 && !records.Dead)
            {
                records.Dead = true;
                _owners.TryRemove(new KeyValuePair<LocalProcess, OwnerRecords>(record.Owner, records));
            }
        }
    }

    /// <summary>The partition's process: traps exits, cleans up after owners, and exits with its supervisor.</summary>
    public async ValueTask RunAsync(ProcessContext context, Pid supervisor)
    {
        context.TrapExit = true;
        while (true)
        {
            if (await context.ReceiveAsync().ConfigureAwait(false) is not ExitMessage exit)
            {
                continue;
            }

            if (exit.From == supervisor)
            {
                throw new ExitException(exit.Reason);
            }

            if (exit.From.Process is { } owner)
            {
                OwnerExited(owner);
            }
        }
    }
}
