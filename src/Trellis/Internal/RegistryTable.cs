using System.Collections.Concurrent;

namespace Trellis.Internal;

/// <summary>A started registry: its partitions and metadata. A new table is made at every (re)start of the registry.</summary>
internal sealed class RegistryTable
{
    public RegistryTable(RegistryOptions options)
    {
        Name = options.Name;
        Kind = options.Keys;
        Listeners = [.. options.Listeners];
        Meta = new ConcurrentDictionary<object, object?>(options.Meta);
        Partitions = new RegistryPartition[options.Partitions];
        for (var i = 0; i < Partitions.Length; i++)
        {
            Partitions[i] = new RegistryPartition(this);
        }
    }

    public string Name { get; }

    public RegistryKeys Kind { get; }

    public string[] Listeners { get; }

    public ConcurrentDictionary<object, object?> Meta { get; }

    public RegistryPartition[] Partitions { get; }

    /// <summary>The registry's supervisor, once started; the table is only usable while it lives.</summary>
    public LocalProcess? Supervisor { get; set; }

    /// <summary>Unique keys are spread by key, duplicate keys by owner (as Elixir does).</summary>
    public RegistryPartition For(object key, LocalProcess owner)
    {
        if (Partitions.Length == 1)
        {
            return Partitions[0];
        }

        var hash = Kind == RegistryKeys.Unique ? key.GetHashCode() : owner.Id.GetHashCode();
        return Partitions[(int)((uint)hash % (uint)Partitions.Length)];
    }

    public RegistryPartition ForKey(object key) => Partitions[Partitions.Length == 1 ? 0 : (int)((uint)key.GetHashCode() % (uint)Partitions.Length)];

    public void Notify(Node node, object message)
    {
        foreach (var listener in Listeners)
        {
            node.WhereIs(listener).Send(message);
        }
    }
}
