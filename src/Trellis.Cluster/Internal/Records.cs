using System.Text.Json;
using System.Text.Json.Serialization;
using Google.Protobuf;

namespace Trellis.Cluster.Internal;

/// <summary>A member's record under <c>nodes/</c>: where its network listens, which start it is, and its labels.</summary>
internal sealed record NodeRecord(string Address, uint Creation, long Lease, IReadOnlyDictionary<string, string> Labels);

/// <summary>A process on a node: enough to make its pid on any member.</summary>
internal sealed record ProcessRecord(string Node, uint Creation, long Id);

/// <summary>The owner of a cluster supervisor.</summary>
internal sealed record OwnerRecord(string Node, uint Creation, long Id);

/// <summary>A running copy of a cluster child: its host, the owner's epoch it was started under, and its process (0 while it starts).</summary>
internal sealed record RunRecord(string Node, uint Creation, long Id, long Epoch);

[JsonSerializable(typeof(NodeRecord))]
[JsonSerializable(typeof(ProcessRecord))]
[JsonSerializable(typeof(OwnerRecord))]
[JsonSerializable(typeof(RunRecord))]
[JsonSourceGenerationOptions(MaxDepth = 8)]
internal sealed partial class RecordJson : JsonSerializerContext;

/// <summary>Records to and from etcd values. A value that does not parse is treated as absent (and logged by the caller).</summary>
internal static class RecordCodec
{
    public static ByteString Encode(NodeRecord r) => ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(r, RecordJson.Default.NodeRecord));

    public static ByteString Encode(ProcessRecord r) => ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(r, RecordJson.Default.ProcessRecord));

    public static ByteString Encode(OwnerRecord r) => ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(r, RecordJson.Default.OwnerRecord));

    public static ByteString Encode(RunRecord r) => ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(r, RecordJson.Default.RunRecord));

    public static NodeRecord? Node(ByteString value) => Decode(value, RecordJson.Default.NodeRecord);

    public static ProcessRecord? Process(ByteString value) => Decode(value, RecordJson.Default.ProcessRecord);

    public static OwnerRecord? Owner(ByteString value) => Decode(value, RecordJson.Default.OwnerRecord);

    public static RunRecord? Run(ByteString value) => Decode(value, RecordJson.Default.RunRecord);

    private static T? Decode<T>(ByteString value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info)
        where T : class
    {
        if (value.Length is 0 or > 64 * 1024)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(value.Span, info);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
