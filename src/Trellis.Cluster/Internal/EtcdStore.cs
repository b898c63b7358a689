using System.Net.Http;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Trellis.Cluster.Internal;

/// <summary>
/// The few etcd v3 calls the cluster makes, each bounded by the request timeout: grant and revoke a lease, renew it,
/// a transaction, a prefix range, and a watch stream. The gRPC channel pings every connection, so a stream to a
/// member that died or froze fails within the ping timeout instead of hanging.
/// </summary>
internal sealed class EtcdStore : IDisposable
{
    private readonly EtcdClient _client;
    private readonly TimeSpan _timeout;

    public EtcdStore(string endpoints, TimeSpan requestTimeout, TimeSpan pingInterval)
    {
        _timeout = requestTimeout;
        _client = new EtcdClient(endpoints, configureChannelOptions: options =>
        {
            options.HttpHandler = new SocketsHttpHandler
            {
                ConnectTimeout = requestTimeout,
                KeepAlivePingDelay = pingInterval,
                KeepAlivePingTimeout = pingInterval,
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
                EnableMultipleHttp2Connections = true,
            };
            options.MaxReceiveMessageSize = 4 * 1024 * 1024;
        });
        var connection = _client.GetConnection();
        Kv = connection.KVClient;
        Leases = connection.LeaseClient;
        Watches = connection.WatchClient;
    }

    public KV.KVClient Kv { get; }

    public Lease.LeaseClient Leases { get; }

    public Watch.WatchClient Watches { get; }

    public TimeSpan Timeout => _timeout;

    private DateTime Deadline => DateTime.UtcNow + _timeout;

    public async Task<LeaseGrantResponse> GrantAsync(long ttlSeconds, CancellationToken cancellationToken) =>
        await Leases.LeaseGrantAsync(new LeaseGrantRequest { TTL = ttlSeconds }, deadline: Deadline, cancellationToken: cancellationToken).ConfigureAwait(false);

    public async Task RevokeAsync(long lease, CancellationToken cancellationToken) =>
        await Leases.LeaseRevokeAsync(new LeaseRevokeRequest { ID = lease }, deadline: Deadline, cancellationToken: cancellationToken).ConfigureAwait(false);

    public async Task<TxnResponse> TxnAsync(TxnRequest request, CancellationToken cancellationToken) =>
        await Kv.TxnAsync(request, deadline: Deadline, cancellationToken: cancellationToken).ConfigureAwait(false);

    public async Task<RangeResponse> RangeAsync(string prefix, CancellationToken cancellationToken, long revision = 0) =>
        await Kv.RangeAsync(new RangeRequest { Key = Bytes(prefix), RangeEnd = Bytes(PrefixEnd(prefix)), Revision = revision }, deadline: Deadline, cancellationToken: cancellationToken).ConfigureAwait(false);

    public async Task<RangeResponse> GetAsync(string key, CancellationToken cancellationToken) =>
        await Kv.RangeAsync(new RangeRequest { Key = Bytes(key) }, deadline: Deadline, cancellationToken: cancellationToken).ConfigureAwait(false);

    public async Task<PutResponse> PutAsync(string key, ByteString value, long lease, CancellationToken cancellationToken) =>
        await Kv.PutAsync(new PutRequest { Key = Bytes(key), Value = value, Lease = lease }, deadline: Deadline, cancellationToken: cancellationToken).ConfigureAwait(false);

    public async Task CompactAsync(long revision, CancellationToken cancellationToken) =>
        await Kv.CompactAsync(new CompactionRequest { Revision = revision, Physical = true }, deadline: Deadline, cancellationToken: cancellationToken).ConfigureAwait(false);

    /// <summary>A keep-alive stream; each renewal is one request and its answer.</summary>
    public AsyncDuplexStreamingCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> OpenKeepAlive(CancellationToken cancellationToken) =>
        Leases.LeaseKeepAlive(cancellationToken: cancellationToken);

    /// <summary>A watch stream; the caller sends the create request.</summary>
    public AsyncDuplexStreamingCall<WatchRequest, WatchResponse> OpenWatch(CancellationToken cancellationToken) =>
        Watches.Watch(cancellationToken: cancellationToken);

    public static ByteString Bytes(string text) => ByteString.CopyFromUtf8(text);

    /// <summary>The end of the range of keys that start with <paramref name="prefix"/>: its last byte plus one.</summary>
    public static string PrefixEnd(string prefix)
    {
        var chars = prefix.ToCharArray();
        chars[^1]++;
        return new string(chars);
    }

    public static Compare CreatedAt(string key, long revision) => new()
    {
        Key = Bytes(key),
        Target = Compare.Types.CompareTarget.Create,
        Result = Compare.Types.CompareResult.Equal,
        CreateRevision = revision,
    };

    public static Compare Absent(string key) => CreatedAt(key, 0);

    public static RequestOp Put(string key, ByteString value, long lease) =>
        new() { RequestPut = new PutRequest { Key = Bytes(key), Value = value, Lease = lease, PrevKv = false } };

    public static RequestOp Delete(string key) => new() { RequestDeleteRange = new DeleteRangeRequest { Key = Bytes(key) } };

    public static RequestOp Get(string key) => new() { RequestRange = new RangeRequest { Key = Bytes(key) } };

    public void Dispose() => _client.Dispose();
}
