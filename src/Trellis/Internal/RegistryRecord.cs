namespace Trellis.Internal;

/// <summary>One registration as stored: owner, key and a value that <c>update_value</c> may replace.</summary>
internal sealed class RegistryRecord(LocalProcess owner, object key, object? value)
{
    private volatile object? _value = value;

    public LocalProcess Owner { get; } = owner;

    public object Key { get; } = key;

    public object? Value
    {
        get => _value;
        set => _value = value;
    }

    public RegistryEntry ToEntry() => new(Owner.Self, _value);
}

/// <summary>The registrations of one process in one partition, in registration order; Dead once the partition cleaned them.</summary>
internal sealed class OwnerRecords
{
    public List<RegistryRecord> Records { get; } = new(1);

    public bool Dead { get; set; }
}

/// <summary>The entries of one duplicate key in one partition: copy on write, so lookups read without a lock.</summary>
internal sealed class DuplicateBucket
{
    public RegistryRecord[] Records { get; set; } = [];

    public bool Dead { get; set; }
}
