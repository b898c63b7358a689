using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;

namespace Trellis.Daemon.Cli;

/// <summary>
/// The daemon cannot be reached: not there (the CLI says where it looked and exits 3), or its socket is closed to this
/// user (exit 7).
/// </summary>
internal sealed class NoDaemonException(string message, int code = Runtime.ExitCodes.NoDaemon) : Exception(message)
{
    public int Code { get; } = code;
}

/// <summary>HTTP over the daemon's Unix socket: the same JSON API the dashboard uses.</summary>
internal sealed class DaemonClient : IDisposable
{
    private readonly HttpClient _http;

    public DaemonClient(string socket)
    {
        Socket = socket;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancel) =>
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), cancel).ConfigureAwait(false);
                    return new NetworkStream(s, ownsSocket: true);
                }
                catch (SocketException ex)
                {
                    s.Dispose();
                    throw ex.SocketErrorCode == SocketError.AccessDenied
                        ? new NoDaemonException(
                            $"cannot open {socket}: permission denied (the daemon lets in root, its owner and its admins group)", Runtime.ExitCodes.Refused)
                        : new NoDaemonException(
                            $"no trellis daemon is listening on {socket}: start one with `trellis up FILE`, or name its socket with --socket or TRELLIS_SOCKET");
                }
            },
        };
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://trellis/"), Timeout = Timeout.InfiniteTimeSpan };
    }

    public string Socket { get; }

    public async Task<(int Status, JsonElement Body)> GetAsync(string path, CancellationToken cancel = default)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, path), HttpCompletionOption.ResponseContentRead, cancel).ConfigureAwait(false);
        return ((int)response.StatusCode, await ReadAsync(response, cancel).ConfigureAwait(false));
    }

    public async Task<(int Status, JsonElement Body)> PostAsync(string path, CancellationToken cancel = default)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Post, path), HttpCompletionOption.ResponseContentRead, cancel).ConfigureAwait(false);
        return ((int)response.StatusCode, await ReadAsync(response, cancel).ConfigureAwait(false));
    }

    /// <summary>A streaming GET; the caller reads the body as it comes.</summary>
    public Task<HttpResponseMessage> StreamAsync(string path, CancellationToken cancel) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, path), HttpCompletionOption.ResponseHeadersRead, cancel);

    public void Dispose() => _http.Dispose();

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancel)
    {
        using (request)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            try
            {
                return await _http.SendAsync(request, completion, cancel).ConfigureAwait(false);
            }
            catch (HttpRequestException ex) when (ex.InnerException is NoDaemonException nd)
            {
                throw nd;
            }
            catch (HttpRequestException ex) when (ex.InnerException is IOException or SocketException)
            {
                throw new NoDaemonException($"the daemon on {Socket} closed the connection ({ex.InnerException.Message}); it may be stopping");
            }
        }
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, CancellationToken cancel)
    {
        var text = await response.Content.ReadAsStringAsync(cancel).ConfigureAwait(false);
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}
