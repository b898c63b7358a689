using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using Trellis.Internal;

namespace Trellis.Distribution.Internal;

/// <summary>
/// A node's distribution: its identity on the network (name, port, incarnation), the listener, one <see cref="Peer"/>
/// per other node, the table of local processes whose pids went out, and the functions other nodes may start here.
/// It is the core's <see cref="IRemoteRouter"/>.
/// </summary>
internal sealed partial class Router : IRemoteRouter, IDisposable
{
    private readonly ConcurrentDictionary<string, Peer> _peers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _ports = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, LocalProcess> _exported = new();
    private readonly ConcurrentDictionary<string, Exposed> _exposed = new(StringComparer.Ordinal);
    private readonly List<(Pid Watcher, string? Node)> _nodeWatchers = [];
    private readonly Lock _watchersGate = new();
    private readonly byte[] _cookie;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Socket _listener;
    private int _handshakes;

    public Router(Node node, NetworkOptions options, byte[] cookie, Socket listener)
    {
        Node = node;
        Options = options;
        _cookie = cookie;
        _listener = listener;
        Name = node.Name;
        Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        Creation = NewCreation();
        TimeProvider = options.TimeProvider ?? node.TimeProvider;
        Log = node.LoggerFactory.CreateLogger("Trellis.Distribution");
        Tasks = new OwnedTasks(Log);
        Codec = new WireCodec(this, options.MessageTypes);
    }

    public Node Node { get; }

    public NetworkOptions Options { get; }

    public string Name { get; }

    public int Port { get; }

    public uint Creation { get; }

    public TimeProvider TimeProvider { get; }

    public ILogger Log { get; }

    public OwnedTasks Tasks { get; }

    public WireCodec Codec { get; }

    public int MaxFrameBytes => Options.MaxFrameBytes;

    public bool IsStopping => _stopping.IsCancellationRequested;

    public IEnumerable<Peer> Peers => _peers.Values;

    public void Expose(string name, Exposed exposed)
    {
        if (!_exposed.TryAdd(name, exposed))
        {
            throw new ArgumentException($"'{name}' is exposed already", nameof(name));
        }
    }

    public Peer GetPeer(string name) => _peers.GetOrAdd(name, static (n, r) => new Peer(r, n), this);

    public void LearnPort(string node, int port)
    {
        if (port > 0 && !string.Equals(node, Name, StringComparison.Ordinal))
        {
            _ports[node] = port;
        }
    }

    public int KnownPort(string node) => _ports.TryGetValue(node, out var port) ? port : 0;

    /// <summary>Notes that <paramref name="process"/>'s pid went out, so frames may name it.</summary>
    public void Export(LocalProcess process)
    {
        if (process.Exported)
        {
            return;
        }

        _exported[process.Id] = process;
        process.Exported = true;
        if (!process.IsAlive)
        {
            // It exited before the flag was seen by its exit: forget it here.
            _exported.TryRemove(process.Id, out _);
        }
    }

    public LocalProcess? Lookup(long id) => _exported.TryGetValue(id, out var p) && p.IsAlive ? p : null;

    public void ProcessExited(LocalProcess process) => _exported.TryRemove(new KeyValuePair<long, LocalProcess>(process.Id, process));

    /// <summary>A pid from the wire: this node's own (looked up), or another node's (its port noted for connecting).</summary>
    public Pid ResolvePid(string node, int port, uint creation, long id)
    {
        if (string.Equals(node, Name, StringComparison.Ordinal))
        {
            // A pid of an earlier incarnation of this node, or of a process gone, stays a pid that reaches nothing.
            return creation == Creation && Lookup(id) is { } local ? local.Self : new Pid(new RemotePid(this, node, creation, id));
        }

        LearnPort(node, port);
        return new Pid(new RemotePid(this, node, creation, id));
    }

    public void MonitorNodes(Pid watcher, string? node)
    {
        lock (_watchersGate)
        {
            _nodeWatchers.RemoveAll(w => !w.Watcher.IsAlive);
            _nodeWatchers.Add((watcher, node));
        }
    }

    public void DemonitorNodes(Pid watcher)
    {
        lock (_watchersGate)
        {
            _nodeWatchers.RemoveAll(w => w.Watcher == watcher || !w.Watcher.IsAlive);
        }
    }

    public void OnPeerUp(Peer peer, uint creation, bool outgoing)
    {
        Log.Connected(peer.Name, creation, outgoing ? "outgoing" : "incoming");
        Notify(peer.Name, new NodeUp(peer.Name));
    }

    public void OnPeerDown(Peer peer, string reason)
    {
        if (!IsStopping)
        {
            Log.ConnectionLost(peer.Name, reason);
        }

        Notify(peer.Name, new NodeDown(peer.Name, reason));
    }

    private void Notify(string node, object message)
    {
        (Pid Watcher, string? Node)[] watchers;
        lock (_watchersGate)
        {
            watchers = [.. _nodeWatchers];
        }

        foreach (var (watcher, filter) in watchers)
        {
            if (filter is null || string.Equals(filter, node, StringComparison.Ordinal))
            {
                watcher.Send(message);
            }
        }
    }

    public void Start() => Tasks.Run(AcceptLoopAsync);

    public async ValueTask StopAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Close();
        foreach (var peer in _peers.Values)
        {
            peer.Disconnect("this node left the network");
        }

        await Tasks.WhenAllAsync(Options.ConnectTimeout + TimeSpan.FromSeconds(1), TimeProvider.System).ConfigureAwait(false);
        foreach (var peer in _peers.Values)
        {
            await peer.CompletionAsync().ConfigureAwait(false);
        }

        Log.Stopped(Name);
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _listener.Dispose();
    }

    private static uint NewCreation()
    {
        // Distinct for every start of a node with the same name (Erlang's creation), never 0.
        var creation = (uint)System.Security.Cryptography.RandomNumberGenerator.GetInt32(1, int.MaxValue);
        return creation;
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException || (ex is SocketException && _stopping.IsCancellationRequested))
            {
                return;
            }
            catch (SocketException ex)
            {
                Log.HandshakeRefused("?", "accept failed: " + ex.Message);
                continue;
            }

            var endpoint = socket.RemoteEndPoint?.ToString() ?? "?";
            var pending = Interlocked.Increment(ref _handshakes);
            if (pending > Options.MaxPendingHandshakes)
            {
                Interlocked.Decrement(ref _handshakes);
                Log.TooManyHandshakes(endpoint, pending - 1);
                socket.Close();
                continue;
            }

            Tasks.Run(async () =>
            {
                try
                {
                    await AcceptAsync(socket, endpoint).ConfigureAwait(false);
                }
                finally
                {
                    Interlocked.Decrement(ref _handshakes);
                }
            });
        }
    }

    private async Task<Stream> SecureAsync(Socket socket, bool server, string host, CancellationToken cancellationToken)
    {
        socket.NoDelay = true;
        var network = new NetworkStream(socket, ownsSocket: false);
        if (Options.Tls is not { } tls)
        {
            return network;
        }

        var ssl = new SslStream(network, leaveInnerStreamOpen: false, tls.ValidatePeer ?? DefaultValidation);
        if (server)
        {
            await ssl.AuthenticateAsServerAsync(
                new SslServerAuthenticationOptions
                {
                    ServerCertificate = tls.Certificate,
                    ClientCertificateRequired = true,
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    RemoteCertificateValidationCallback = tls.ValidatePeer ?? DefaultValidation,
                },
                cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await ssl.AuthenticateAsClientAsync(
                new SslClientAuthenticationOptions
                {
                    TargetHost = host,
                    ClientCertificates = [tls.Certificate],
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    RemoteCertificateValidationCallback = tls.ValidatePeer ?? DefaultValidation,
                },
                cancellationToken).ConfigureAwait(false);
        }

        return ssl;
    }

    private static bool DefaultValidation(object sender, System.Security.Cryptography.X509Certificates.X509Certificate? certificate, System.Security.Cryptography.X509Certificates.X509Chain? chain, SslPolicyErrors errors) =>
        certificate is not null && errors == SslPolicyErrors.None;

    bool IRemoteRouter.IsReachable(RemotePid pid) => _peers.TryGetValue(pid.NodeName, out var peer) && peer.IsReachable(pid);

    bool IRemoteRouter.Send(RemotePid to, object message) => PeerOf(to) is { } peer && peer.Send(to, message);

    bool IRemoteRouter.SendNamed(string node, string name, object message) =>
        string.Equals(node, Name, StringComparison.Ordinal) ? Node.WhereIs(name).Send(message) : GetPeer(node).SendNamed(name, message);

    void IRemoteRouter.Link(LocalProcess from, RemotePid to)
    {
        if (PeerOf(to) is { } peer)
        {
            peer.Link(from, to);
        }
        else
        {
            from.OnRemoteLinkExit(to, ExitReason.NoProc);
        }
    }

    void IRemoteRouter.Unlink(LocalProcess from, RemotePid to) => PeerOf(to)?.Unlink(from, to);

    void IRemoteRouter.LinkExited(LocalProcess from, RemotePid to, ExitReason reason) => PeerOf(to)?.LinkExited(from, to, reason);

    void IRemoteRouter.Exit(Pid from, RemotePid to, ExitReason reason) => PeerOf(to)?.Exit(from, to, reason);

    void IRemoteRouter.Monitor(MonitorRef monitor)
    {
        if (PeerOf(monitor.RemoteTarget!) is { } peer)
        {
            peer.Monitor(monitor);
        }
        else
        {
            monitor.Watcher.OnDown(monitor, ExitReason.NoProc);
        }
    }

    void IRemoteRouter.Demonitor(MonitorRef monitor) => PeerOf(monitor.RemoteTarget!)?.Demonitor(monitor);

    void IRemoteRouter.Call(RemotePid to, CallRequest call)
    {
        if (PeerOf(to) is { } peer)
        {
            peer.Call(to, call);
        }
        else
        {
            call.Fail(ExitReason.NoProc);
        }
    }

    void IRemoteRouter.CallNamed(string node, string name, CallRequest call) => GetPeer(node).CallNamed(name, call);

    bool IRemoteRouter.Cast(RemotePid to, object request) => PeerOf(to) is { } peer && peer.Cast(to, request);

    bool IRemoteRouter.CastNamed(string node, string name, object request) => GetPeer(node).SendNamed(name, request, FrameKind.CastNamed);

    /// <summary>The peer a remote pid lives on; null for a pid of this node's name (an earlier incarnation, or a process gone).</summary>
    private Peer? PeerOf(RemotePid pid) =>
        IsStopping || string.Equals(pid.NodeName, Name, StringComparison.Ordinal) ? null : GetPeer(pid.NodeName);
}
