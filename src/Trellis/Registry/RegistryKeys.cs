namespace Trellis;

/// <summary>Whether a registry holds one entry per key or many (Elixir's <c>keys: :unique | :duplicate</c>).</summary>
public enum RegistryKeys
{
    /// <summary>At most one live process per key.</summary>
    Unique,

    /// <summary>Any number of entries per key, several from one process too.</summary>
    Duplicate,
}
