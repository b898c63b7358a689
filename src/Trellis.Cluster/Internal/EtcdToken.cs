using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Trellis.Cluster.Internal;

/// <summary>
/// etcd's auth token on every call, once the node has authenticated (etcd's <c>auth enable</c>). A unary call refused
/// for its token (it expired) authenticates again and is retried once; the streams (watch, keep-alive) take the
/// current token each time they are opened, and the lease loop re-authenticates well within a token's life.
/// </summary>
internal sealed class EtcdToken(Func<CancellationToken, Task> authenticate) : Interceptor
{
    private const string AuthenticateMethod = "/etcdserverpb.Auth/Authenticate";
    private string? _token;

    public string? Value
    {
        get => Volatile.Read(ref _token);
        set => Volatile.Write(ref _token, value);
    }

    /// <summary>What etcd says when a call's token is missing, expired or revoked.</summary>
    public static bool IsAuthError(RpcException e) =>
        e.StatusCode == StatusCode.Unauthenticated || e.Status.Detail.Contains("auth token", StringComparison.Ordinal) || e.Status.Detail.Contains("user name is empty", StringComparison.Ordinal);

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        if (context.Method.FullName == AuthenticateMethod)
        {
            return continuation(request, context);
        }

        var call = continuation(request, WithToken(context));
        return new AsyncUnaryCall<TResponse>(RetriedAsync(call, request, context, continuation), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(WithToken(context));

    private async Task<TResponse> RetriedAsync<TRequest, TResponse>(
        AsyncUnaryCall<TResponse> call, TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
        where TRequest : class
        where TResponse : class
    {
        try
        {
            return await call.ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException e) when (IsAuthError(e))
        {
            await authenticate(context.Options.CancellationToken).ConfigureAwait(false);
            using var again = continuation(request, WithToken(context));
            return await again.ResponseAsync.ConfigureAwait(false);
        }
    }

    private ClientInterceptorContext<TRequest, TResponse> WithToken<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
        where TRequest : class
        where TResponse : class
    {
        if (Value is not { } token)
        {
            return context;
        }

        var headers = new Metadata();
        foreach (var entry in context.Options.Headers ?? [])
        {
            headers.Add(entry);
        }

        headers.Add("token", token);
        return new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithHeaders(headers));
    }
}
