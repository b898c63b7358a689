using System.Collections.Concurrent;

namespace Trellis.Distribution;

/// <summary>
/// The message types a node accepts from the network, each under a stable tag that both nodes register: a frame naming
/// any other tag is dropped with a log line, so a peer can never make a node create an arbitrary type. A registered type
/// is serialized with MessagePack: a record or class with public properties and a matching constructor works as is
/// (MessagePack's contractless resolver), and <c>[MessagePackObject]</c> attributes are honoured. Pids in its
/// properties cross as pids.
/// </summary>
public sealed class MessageTypes
{
    private readonly ConcurrentDictionary<string, Type> _byTag = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Type, string> _byType = new();

    /// <summary>Registers <typeparamref name="T"/> under its full name, or <paramref name="tag"/>.</summary>
    /// <typeparam name="T">The message type; a concrete class, record or struct.</typeparam>
    /// <param name="tag">The tag on the wire; both nodes must use the same. The type's full name by default.</param>
    /// <returns>This registry, for chaining.</returns>
    /// <exception cref="ArgumentException">The tag or the type is already registered otherwise, or the type is abstract.</exception>
    public MessageTypes Register<T>(string? tag = null) => Register(typeof(T), tag);

    /// <summary>Registers <paramref name="type"/>; see <see cref="Register{T}"/>.</summary>
    /// <param name="type">The message type.</param>
    /// <param name="tag">The tag on the wire.</param>
    /// <returns>This registry, for chaining.</returns>
    public MessageTypes Register(Type type, string? tag = null)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (type.IsAbstract || type.IsInterface || type.ContainsGenericParameters)
        {
            throw new ArgumentException($"{type} cannot be a message type: it must be concrete", nameof(type));
        }

        tag ??= type.FullName ?? type.Name;
        if (tag.Length is 0 or > 200)
        {
            throw new ArgumentException("a message tag has 1 to 200 characters", nameof(tag));
        }

        var current = _byTag.GetOrAdd(tag, type);
        if (current != type)
        {
            throw new ArgumentException($"the tag '{tag}' is already registered for {current}", nameof(tag));
        }

        if (_byType.GetOrAdd(type, tag) != tag)
        {
            throw new ArgumentException($"{type} is already registered under the tag '{_byType[type]}'", nameof(type));
        }

        return this;
    }

    /// <summary>The registered types, in no particular order.</summary>
    public IReadOnlyCollection<Type> Types => _byType.Keys.ToArray();

    internal bool TryGetTag(Type type, out string tag) => _byType.TryGetValue(type, out tag!);

    internal bool TryGetType(string tag, out Type type) => _byTag.TryGetValue(tag, out type!);
}
