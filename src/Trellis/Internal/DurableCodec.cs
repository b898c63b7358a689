using System.Globalization;
using System.Text.Json;

namespace Trellis.Internal;

/// <summary>
/// The payload of a <see cref="FileChildStore"/> record: UTF-8 JSON, with every value tagged by its type so it reads
/// back as what was written (an int stays an int): <c>{"add":K,"id":V,"args":[V…]}</c> or <c>{"del":K}</c>, where a
/// value is <c>null</c>, <c>{"s":…}</c>, <c>{"i":…}</c>, <c>{"l":…}</c>, <c>{"d":…}</c>, <c>{"b":…}</c> or <c>{"a":[…]}</c>.
/// </summary>
internal static class DurableCodec
{
    public static byte[] EncodeAdd(long key, object id, IReadOnlyList<object?> arguments)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("add", key);
            writer.WritePropertyName("id");
            WriteValue(writer, id, "id");
            writer.WritePropertyName("args");
            writer.WriteStartArray();
            for (var i = 0; i < arguments.Count; i++)
            {
                WriteValue(writer, arguments[i], $"argument {i + 1}");
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    public static byte[] EncodeRemove(long key)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("del", key);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    public static bool IsWellFormed(ReadOnlySpan<byte> payload)
    {
        try
        {
            Decode(payload);
            return true;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
        {
            return false;
        }
    }

    public static (long Key, bool Removed, object? Id, IReadOnlyList<object?>? Arguments) Decode(ReadOnlySpan<byte> payload)
    {
        var reader = new Utf8JsonReader(payload);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.TryGetProperty("del", out var removed))
        {
            return (removed.GetInt64(), true, null, null);
        }

        var key = root.GetProperty("add").GetInt64();
        var id = ReadValue(root.GetProperty("id")) ?? throw new FormatException("a stored child's id is null");
        var args = root.GetProperty("args").EnumerateArray().Select(ReadValue).ToArray();
        return (key, false, id, args);
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value, string what)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                return;
            case string s:
                Tagged(writer, "s", w => w.WriteStringValue(s));
                return;
            case int i:
                Tagged(writer, "i", w => w.WriteNumberValue(i));
                return;
            case long l:
                Tagged(writer, "l", w => w.WriteNumberValue(l));
                return;
            case double d when double.IsFinite(d):
                Tagged(writer, "d", w => w.WriteNumberValue(d));
                return;
            case bool b:
                Tagged(writer, "b", w => w.WriteBooleanValue(b));
                return;
            case System.Collections.IEnumerable list:
                writer.WriteStartObject();
                writer.WritePropertyName("a");
                writer.WriteStartArray();
                var n = 0;
                foreach (var item in list)
                {
                    WriteValue(writer, item, $"{what}[{n++}]");
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
                return;
            default:
                throw new ArgumentException(
                    $"a FileChildStore keeps strings, ints, longs, finite doubles, booleans, null and lists of them; {what} is a {value.GetType().Name}",
                    nameof(value));
        }
    }

    private static void Tagged(Utf8JsonWriter writer, string tag, Action<Utf8JsonWriter> write)
    {
        writer.WriteStartObject();
        writer.WritePropertyName(tag);
        write(writer);
        writer.WriteEndObject();
    }

    private static object? ReadValue(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        using var properties = element.EnumerateObject();
        if (!properties.MoveNext())
        {
            throw new FormatException("an empty stored value");
        }

        var property = properties.Current;
        return property.Name switch
        {
            "s" => property.Value.GetString(),
            "i" => property.Value.GetInt32(),
            "l" => property.Value.GetInt64(),
            "d" => property.Value.GetDouble(),
            "b" => property.Value.GetBoolean(),
            "a" => property.Value.EnumerateArray().Select(ReadValue).ToArray(),
            _ => throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"an unknown stored value tag '{property.Name}'")),
        };
    }
}
