using System.Net;
using System.Net.Sockets;
using System.Text;
using Trellis.Distribution.Internal;
using Trellis.Internal;

namespace Trellis.Distribution;

/// <summary>
/// A <see cref="Node"/> on the network: it listens on TCP, connects to other nodes on first use (one connection per
/// pair, authenticated both ways with the shared cookie), and carries sends, calls, casts, links, monitors and exit
/// signals to their processes with OTP's semantics. When a connection is lost (the peer's sockets closed, or nothing
/// arrived within the tick time), every link across it fires <c>noconnection</c> and every monitor delivers DOWN
/// <c>noconnection</c>, so a process started for a process of a lost node does not outlive it.
/// </summary>
/// <remarks>
/// The guarantee, in one sentence: a process linked to a process on another node gets an exit signal within the tick
/// time of that node's death or disconnection, and a GenServer or supervisor whose parent was there stops, even when it
/// traps exits.
/// </remarks>
public sealed class NodeNetwork : IAsyncDisposable
{
    private readonly Router _router;

    private NodeNetwork(Router router) => _router = router;

    /// <summary>The router, for Trellis.Cluster (pids by number, peers' ports).</summary>
    internal Router Router => _router;

    /// <summary>The node.</summary>
    public Node Node => _router.Node;

    /// <summary>Where this node listens: its name and port.</summary>
    public NodeAddress Address => new(_router.Name, _router.Port);

    /// <summary>This start's incarnation number: a pid of an earlier run of a node with the same name never reaches this one.</summary>
    public uint Creation => _router.Creation;

    /// <summary>The tick time in use (<see cref="NetworkOptions.TickTime"/>).</summary>
    public TimeSpan TickTime => _router.Options.TickTime;

    /// <summary>The nodes connected now, by name, in name order.</summary>
    public IReadOnlyList<string> Connections =>
        _router.Peers.Where(p => p.IsConnected).Select(p => p.Name).Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// Puts <paramref name="node"/> on the network: validates the options, reads the cookie, binds the port, and starts
    /// accepting connections. The node's name must be <c>name@host</c>.
    /// </summary>
    /// <param name="node">The node; one network per node.</param>
    /// <param name="options">The port, cookie, tick time and message types.</param>
    /// <param name="cancellationToken">Stops the start.</param>
    /// <returns>The node's network.</returns>
    /// <exception cref="ArgumentException">A setting is invalid (the message names it), or the node is on a network already.</exception>
    /// <exception cref="SocketException">The port cannot be bound.</exception>
    public static Task<NodeNetwork> StartAsync(Node node, NetworkOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(options);
        cancellationToken.ThrowIfCancellationRequested();
        if (!NodeAddress.IsValidName(node.Name, out var nameError))
        {
            throw new ArgumentException($"NodeOptions.Name '{node.Name}': {nameError}", nameof(node));
        }

        if (node.Router is not null)
        {
            throw new ArgumentException($"node {node.Name} is on a network already", nameof(node));
        }

        if (options.TickTime < TimeSpan.FromMilliseconds(400) || options.TickTime > TimeSpan.FromHours(1))
        {
            throw new ArgumentException($"NetworkOptions.TickTime must be from 0.4 s to 1 h, not {options.TickTime}", nameof(options));
        }

        if (options.ConnectTimeout <= TimeSpan.Zero || options.MaxFrameBytes < 1024 || options.MaxPendingHandshakes < 1 || options.Port is < 0 or > 65535)
        {
            throw new ArgumentException("NetworkOptions: ConnectTimeout must be positive, MaxFrameBytes at least 1024, MaxPendingHandshakes at least 1, Port from 0 to 65535", nameof(options));
        }

        var cookie = ReadCookie(options);
        var host = node.Name[(node.Name.IndexOf('@', StringComparison.Ordinal) + 1)..];
        var bind = options.BindAddress ?? (IPAddress.TryParse(host, out var ip) ? ip : IPAddress.Any);
        var listener = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(bind, options.Port));
            listener.Listen(512);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        var router = new Router(node, options, cookie, listener);
        node.Router = router;
        router.Start();
        var endpoint = listener.LocalEndPoint!.ToString()!;
        router.Log.Listening(node.Name, endpoint, options.TickTime, options.Tls is not null);
        return Task.FromResult(new NodeNetwork(router));
    }

    /// <summary>Connects to the node at <paramref name="address"/> (<c>name@host:port</c>) now, rather than on first use.</summary>
    /// <param name="address">The node's address.</param>
    /// <param name="cancellationToken">Stops waiting (the attempt itself is bounded by <see cref="NetworkOptions.ConnectTimeout"/>).</param>
    /// <returns>True once connected; false when the attempt failed (the log says why).</returns>
    public Task<bool> ConnectAsync(string address, CancellationToken cancellationToken = default) => ConnectAsync(NodeAddress.Parse(address), cancellationToken);

    /// <summary>Connects to the node at <paramref name="address"/>; see <see cref="ConnectAsync(string, CancellationToken)"/>.</summary>
    /// <param name="address">The node's address.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>True once connected.</returns>
    public async Task<bool> ConnectAsync(NodeAddress address, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (string.Equals(address.Name, _router.Name, StringComparison.Ordinal))
        {
            return true;
        }

        AddPeer(address);
        var peer = _router.GetPeer(address.Name);
        var watcher = new ConnectWatch(peer);
        peer.EnsureConnecting();
        return await watcher.WaitAsync(_router, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Notes where a node listens, so that it is connected to on first use (as epmd tells Erlang).</summary>
    /// <param name="address">The node's address.</param>
    public void AddPeer(NodeAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        _router.LearnPort(address.Name, address.Port);
    }

    /// <summary>Closes the connection to <paramref name="node"/>, as a lost one (Erlang's <c>disconnect_node</c>): links and monitors across it fire <c>noconnection</c>.</summary>
    /// <param name="node">The node's name.</param>
    public void Disconnect(string node)
    {
        ArgumentNullException.ThrowIfNull(node);
        _router.GetPeer(node).Disconnect("disconnected by this node");
    }

    /// <summary>
    /// Sends <see cref="NodeUp"/> and <see cref="NodeDown"/> messages to <paramref name="watcher"/> (Erlang's
    /// <c>net_kernel:monitor_nodes</c>), for every node or only <paramref name="node"/>, until <see cref="DemonitorNodes"/>.
    /// </summary>
    /// <param name="watcher">The process to tell.</param>
    /// <param name="node">One node's name, or null for all.</param>
    public void MonitorNodes(Pid watcher, string? node = null)
    {
        if (!watcher.IsLocal)
        {
            throw new ArgumentException("the watcher must be a process of this node", nameof(watcher));
        }

        _router.MonitorNodes(watcher, node);
    }

    /// <summary>Stops the messages of <see cref="MonitorNodes"/> to <paramref name="watcher"/>.</summary>
    /// <param name="watcher">The process.</param>
    public void DemonitorNodes(Pid watcher) => _router.DemonitorNodes(watcher);

    /// <summary>
    /// Lets other nodes start <paramref name="body"/> here by <paramref name="name"/> (see <see cref="SpawnLinkAsync"/>):
    /// a .NET closure cannot cross machines, so each node says what it can run. The argument comes from the caller
    /// (a built-in or registered message type).
    /// </summary>
    /// <param name="name">The function's name.</param>
    /// <param name="body">The process body, given its argument.</param>
    /// <exception cref="ArgumentException">The name is taken.</exception>
    public void Expose(string name, Func<ProcessContext, object?, ValueTask> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(body);
        _router.Expose(name, new Exposed(body, null));
    }

    /// <summary>Lets other nodes start a <see cref="GenServer"/> here by <paramref name="name"/> (see <see cref="StartServerAsync"/>).</summary>
    /// <param name="name">The server type's name on the network.</param>
    /// <param name="factory">Makes a new instance for each start; its init gets the caller's argument.</param>
    /// <exception cref="ArgumentException">The name is taken.</exception>
    public void ExposeServer(string name, Func<GenServer> factory)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(factory);
        _router.Expose(name, new Exposed(null, factory));
    }

    /// <summary>
    /// Starts the exposed function <paramref name="function"/> on <paramref name="node"/>, linked to
    /// <paramref name="parent"/> (Erlang's <c>spawn_link(Node, ...)</c>): the link is in place before the new process
    /// runs, so its exit, or the loss of either node, reaches the other side.
    /// </summary>
    /// <param name="parent">The process to link to.</param>
    /// <param name="node">The node's name.</param>
    /// <param name="function">The name it was exposed under.</param>
    /// <param name="argument">Its argument.</param>
    /// <param name="registeredName">A name to register the new process under there; null for none.</param>
    /// <param name="cancellationToken">Stops waiting for the answer.</param>
    /// <returns>Ok with the new pid; an error <c>{undef,Function}</c> when the node does not expose it, <c>noconnection</c> when it cannot be reached.</returns>
    public Task<StartResult> SpawnLinkAsync(ProcessContext parent, string node, string function, object? argument = null, string? registeredName = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parent);
        return StartRemoteAsync((LocalProcess)parent, link: true, server: false, node, function, argument, registeredName, cancellationToken);
    }

    /// <summary>Starts the exposed function <paramref name="function"/> on <paramref name="node"/>, not linked (Erlang's <c>spawn(Node, ...)</c>).</summary>
    /// <param name="node">The node's name.</param>
    /// <param name="function">The name it was exposed under.</param>
    /// <param name="argument">Its argument.</param>
    /// <param name="cancellationToken">Stops waiting for the answer.</param>
    /// <returns>Ok with the new pid, or why it did not start.</returns>
    public Task<StartResult> SpawnAsync(string node, string function, object? argument = null, CancellationToken cancellationToken = default) =>
        StartRemoteAsync(null, link: false, server: false, node, function, argument, null, cancellationToken);

    /// <summary>
    /// Starts the exposed server <paramref name="server"/> on <paramref name="node"/> and waits for its init, as
    /// <see cref="GenServer.StartLinkAsync"/> does locally. With a <paramref name="parent"/>, that process is its parent
    /// and linked: a supervisor's child spec may start its child on another node this way and supervise it as a local one.
    /// </summary>
    /// <param name="parent">The parent to link to; null for an unlinked start.</param>
    /// <param name="node">The node's name.</param>
    /// <param name="server">The name it was exposed under.</param>
    /// <param name="argument">The argument of its init.</param>
    /// <param name="registeredName">A name to register the server under there; null for none.</param>
    /// <param name="cancellationToken">Stops waiting for the answer.</param>
    /// <returns>The start's result, as its init returned it, or <c>noconnection</c> / <c>{undef,Server}</c>.</returns>
    public Task<StartResult> StartServerAsync(ProcessContext? parent, string node, string server, object? argument = null, string? registeredName = null, CancellationToken cancellationToken = default) =>
        StartRemoteAsync((LocalProcess?)parent, link: parent is not null, server: true, node, server, argument, registeredName, cancellationToken);

    /// <summary>
    /// A child spec whose child is the exposed server <paramref name="server"/> started on <paramref name="node"/>, linked
    /// to its supervisor here: restarted, shut down and counted as a local child, and stopped there when this node is lost.
    /// </summary>
    /// <param name="id">The child's id.</param>
    /// <param name="node">The node to start it on.</param>
    /// <param name="server">The name it was exposed under there.</param>
    /// <param name="argument">The argument of its init.</param>
    /// <param name="registeredName">A name to register it under there; null for none.</param>
    /// <returns>The child spec (a worker, permanent, shutdown after 5 s, as <see cref="ChildSpec"/>'s defaults).</returns>
    public ChildSpec ServerSpec(object id, string node, string server, object? argument = null, string? registeredName = null)
    {
        ArgumentNullException.ThrowIfNull(id);
        return new ChildSpec
        {
            Id = id,
            Start = async (supervisor, _) => await StartServerAsync(supervisor, node, server, argument, registeredName, supervisor.CancellationToken).ConfigureAwait(false),
        };
    }

    /// <summary>The server registered as <paramref name="name"/> on <paramref name="node"/> (Erlang's <c>{Name, Node}</c>), for calls and casts.</summary>
    /// <param name="name">The registered name.</param>
    /// <param name="node">The node's name.</param>
    /// <returns>The reference.</returns>
    public ServerRef Named(string name, string node) => ServerRef.Named(Node, name, node);

    /// <summary>Sends <paramref name="message"/> to the process registered as <paramref name="name"/> on <paramref name="node"/> (Erlang's <c>{Name, Node} ! Msg</c>).</summary>
    /// <param name="name">The registered name.</param>
    /// <param name="node">The node's name.</param>
    /// <param name="message">The message.</param>
    /// <returns>False when it is known at once that it cannot arrive.</returns>
    public bool Send(string name, string node, object message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return ((IRemoteRouter)_router).SendNamed(node, name, message);
    }

    /// <summary>Leaves the network: closes the listener and every connection (links and monitors across them fire <c>noconnection</c> on both sides).</summary>
    /// <returns>A task that completes when every connection's loops have ended.</returns>
    public async ValueTask DisposeAsync()
    {
        await _router.StopAsync().ConfigureAwait(false);
        if (ReferenceEquals(Node.Router, _router))
        {
            Node.Router = null;
        }

        _router.Dispose();
    }

    private async Task<StartResult> StartRemoteAsync(LocalProcess? parent, bool link, bool server, string node, string function, object? argument, string? registeredName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        ArgumentException.ThrowIfNullOrEmpty(function);
        if (!NodeAddress.IsValidName(node, out var error))
        {
            throw new ArgumentException($"node '{node}': {error}", nameof(node));
        }

        if (string.Equals(node, _router.Name, StringComparison.Ordinal))
        {
            throw new ArgumentException("start a function of this node directly, not through the network", nameof(node));
        }

        var peer = _router.GetPeer(node);
        var start = peer.Start(parent, link, server, function, argument, registeredName);
        try
        {
            return await start.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            peer.ForgetStart(start);
            throw;
        }
    }

    private static byte[] ReadCookie(NetworkOptions options)
    {
        string? cookie = options.Cookie;
        if (options.CookieFile is { } path)
        {
            if (cookie is not null)
            {
                throw new ArgumentException("NetworkOptions: set Cookie or CookieFile, not both", nameof(options));
            }

            if (!File.Exists(path))
            {
                throw new ArgumentException($"NetworkOptions.CookieFile '{path}' does not exist", nameof(options));
            }

            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
            {
                throw new ArgumentException($"NetworkOptions.CookieFile '{path}' is readable or writable by group or others; make it 0600", nameof(options));
            }

            cookie = File.ReadLines(path).FirstOrDefault()?.Trim();
        }

        if (string.IsNullOrEmpty(cookie) || cookie.Length < 16)
        {
            throw new ArgumentException("NetworkOptions: a cookie of at least 16 characters is required (Cookie or CookieFile)", nameof(options));
        }

        return Encoding.UTF8.GetBytes(cookie);
    }

    /// <summary>Waits for a peer's connection to come up or its attempt to fail, watching both through the node events.</summary>
    private sealed class ConnectWatch
    {
        private readonly Peer _peer;

        public ConnectWatch(Peer peer) => _peer = peer;

        public async Task<bool> WaitAsync(Router router, CancellationToken cancellationToken)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(router.Options.ConnectTimeout + router.Options.ConnectTimeout);
            var up = _peer.WaitUpOrFailedAsync();
            try
            {
                return await up.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return _peer.IsConnected;
            }
        }
    }
}
