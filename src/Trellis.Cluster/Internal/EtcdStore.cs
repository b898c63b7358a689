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
    /// <summary>How often an authenticated node asks for a fresh token: well within etcd's default token life (5 minutes).</summary>
    private static readonly TimeSpan TokenRefresh = TimeSpan.FromSeconds(60);

    private readonly EtcdClient _client;
    private readonly TimeSpan _timeout;
    private readonly EtcdSecurity _security;
    private readonly EtcdToken _token;
    private readonly Auth.AuthClient _auth;
    private readonly SemaphoreSlim _authenticating = new(1, 1);
    private long _authenticatedAt;

    public EtcdStore(string endpoints, TimeSpan requestTimeout, TimeSpan pingInterval, EtcdSecurity? security = null)
    {
        _timeout = requestTimeout;
        _security = security ?? EtcdSecurity.None;
        _token = new EtcdToken(AuthenticateAsync);
        var tls = _security.Tls();
        var https = endpoints.Split(',', StringSplitOptions.TrimEntries).All(e => e.StartsWith("https://", StringComparison.OrdinalIgnoreCase));
        _client = new EtcdClient(endpoints, configureChannelOptions: options =>
        {
            // The endpoints go through a static resolver, which knows no scheme: TLS is asked for here.
            if (https)
            {
                options.Credentials = ChannelCredentials.SecureSsl;
            }

            var handler = new SocketsHttpHandler
            {
                ConnectTimeout = requestTimeout,
                // HTTP/2 pings go no faster than once a second (the handler's floor), whatever the request timeout.
                KeepAlivePingDelay = pingInterval < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : pingInterval,
                KeepAlivePingTimeout = pingInterval < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : pingInterval,
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
                EnableMultipleHttp2Connections = true,
            };
            if (tls is not null)
            {
                handler.SslOptions = tls;
            }

            options.HttpHandler = handler;
            options.MaxReceiveMessageSize = 4 * 1024 * 1024;
        }, interceptors: _security.Authenticates ? [_token] : null);
        var connection = _client.GetConnection();
        Kv = connection.KVClient;
        Leases = connection.LeaseClient;
        Watches = connection.WatchClient;
        _auth = connection.AuthClient;
    }

    /// <summary>
    /// Authenticates with etcd's user and password (when the options name one) and keeps the token for every call;
    /// also when a call was refused for its token. One at a time; bounded by the request timeout.
    /// </summary>
    public async Task AuthenticateAsync(CancellationToken cancellationToken)
    {
        if (!_security.Authenticates)
        {
            return;
        }

        await _authenticating.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var reply = await _auth.AuthenticateAsync(new AuthenticateRequest { Name = _security.User, Password = _security.Password }, deadline: Deadline, cancellationToken: cancellationToken).ConfigureAwait(false);
            _token.Value = reply.Token;
            Volatile.Write(ref _authenticatedAt, Environment.TickCount64);
        }
        finally
        {
            _authenticating.Release();
        }
    }

    /// <summary>Authenticates again when the token is older than a minute (the lease loop calls this; streams take the token when opened).</summary>
    public Task RefreshTokenIfDueAsync(CancellationToken cancellationToken) =>
        _security.Authenticates && Environment.TickCount64 - Volatile.Read(ref _authenticatedAt) > TokenRefresh.TotalMilliseconds
            ? AuthenticateAsync(cancellationToken)
            : Task.CompletedTask;

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

    public void Dispose()
    {
        _client.Dispose();
        _security.Dispose();
        _authenticating.Dispose();
    }
}
