using Google.Protobuf;

namespace Trellis.Cluster.Internal;

/// <summary>A change under a subscribed prefix, as the cluster's one watch saw it (or as a re-list after compaction made it up).</summary>
/// <param name="Deleted">The key was deleted (or its lease ended).</param>
/// <param name="Key">The key.</param>
/// <param name="Value">The new value; for a deletion, the last one known.</param>
/// <param name="CreateRevision">The key's create revision; for a deletion, the one of the copy deleted.</param>
/// <param name="ModRevision">The revision of the change.</param>
internal sealed record StoreEvent(bool Deleted, string Key, ByteString Value, long CreateRevision, long ModRevision);
