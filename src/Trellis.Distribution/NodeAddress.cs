using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Trellis.Distribution;

/// <summary>
/// Where a node listens, written <c>name@host:port</c>: the node's name is <c>name@host</c> (as Erlang's), and the
/// port replaces epmd.
/// </summary>
/// <param name="Name">The node's name, <c>name@host</c>.</param>
/// <param name="Port">The TCP port it listens on.</param>
public sealed record NodeAddress(string Name, int Port)
{
    private static readonly System.Buffers.SearchValues<char> Forbidden = System.Buffers.SearchValues.Create(" \t\r\n:/");

    /// <summary>The host part of the name.</summary>
    public string Host => Name[(Name.IndexOf('@', StringComparison.Ordinal) + 1)..];

    /// <summary>Parses <c>name@host:port</c>.</summary>
    /// <param name="text">The address.</param>
    /// <returns>The address.</returns>
    /// <exception cref="FormatException">The text is not <c>name@host:port</c>; the message says which part is wrong.</exception>
    public static NodeAddress Parse(string text) =>
        TryParse(text, out var address, out var error) ? address : throw new FormatException(error);

    /// <summary>Parses <c>name@host:port</c>.</summary>
    /// <param name="text">The address.</param>
    /// <param name="address">The address, when it parses.</param>
    /// <param name="error">What is wrong, when it does not.</param>
    /// <returns>Whether it parses.</returns>
    public static bool TryParse(string? text, [NotNullWhen(true)] out NodeAddress? address, [NotNullWhen(false)] out string? error)
    {
        address = null;
        var colon = text?.LastIndexOf(':') ?? -1;
        if (text is null || colon < 0)
        {
            error = $"'{text}' is not a node address: expected name@host:port";
            return false;
        }

        var name = text[..colon];
        if (!IsValidName(name, out error))
        {
            error = $"'{text}': {error}";
            return false;
        }

        if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            error = $"'{text}': the port must be a number from 1 to 65535";
            return false;
        }

        address = new NodeAddress(name, port);
        return true;
    }

    /// <summary>Whether <paramref name="name"/> is a valid node name: <c>name@host</c>, both parts non-empty, at most 255 characters, no spaces.</summary>
    /// <param name="name">The name.</param>
    /// <param name="error">What is wrong, when it is not.</param>
    /// <returns>Whether it is valid.</returns>
    public static bool IsValidName(string? name, [NotNullWhen(false)] out string? error)
    {
        var at = name?.IndexOf('@', StringComparison.Ordinal) ?? -1;
        error = name is null || at <= 0 || at == name.Length - 1 ? "a node name is name@host, with both parts non-empty"
            : name.Length > 255 ? "a node name is at most 255 characters"
            : name.AsSpan().IndexOfAny(Forbidden) >= 0 || name.IndexOf('@', at + 1) >= 0 ? "a node name has one '@' and no spaces, ':' or '/'"
            : null;
        return error is null;
    }

    /// <summary><c>name@host:port</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name}:{Port}");
}
