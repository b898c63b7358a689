using System.Net.Sockets;
using System.Security.Authentication;

namespace Trellis.Distribution.Internal;

/// <summary>Making connections: the outgoing attempt and the incoming handshake (<see cref="Handshake"/>).</summary>
internal sealed partial class Router
{
    /// <summary>Starts an owned attempt to connect to <paramref name="peer"/> (its <c>connecting</c> flag is set).</summary>
    public void StartConnect(Peer peer)
    {
        if (IsStopping)
        {
            peer.OnConnectFailed();
            return;
        }

        Tasks.Run(() => ConnectAsync(peer));
    }

    private async Task ConnectAsync(Peer peer)
    {
        Socket? socket = null;
        try
        {
            var port = KnownPort(peer.Name);
            if (port == 0)
            {
                throw new HandshakeException($"no port is known for {peer.Name}: connect to it once by its address (name@host:port)");
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            timeout.CancelAfter(Options.ConnectTimeout);
            var host = peer.Name[(peer.Name.IndexOf('@', StringComparison.Ordinal) + 1)..];
            socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
            var stream = await SecureAsync(socket, server: false, host, timeout.Token).ConfigureAwait(false);
            var outcome = await InitiateAsync(stream, peer, timeout.Token).ConfigureAwait(false);
            switch (outcome.Status)
            {
                case Handshake.StatusOk:
                    var connection = new Connection(peer, socket, stream, outcome.Creation, TimeProvider, Options.TickTime, MaxFrameBytes);
                    socket = null;
                    if (!peer.Adopt(connection, replaceLive: false, outgoing: true))
                    {
                        connection.Close("a connection to the node was made meanwhile");
                    }

                    return;
                case Handshake.StatusSimultaneous:
                    // The other node keeps its own attempt, which arrives here as an incoming connection.
                    if (!await peer.WaitUpAsync(Options.ConnectTimeout, TimeProvider).ConfigureAwait(false))
                    {
                        throw new HandshakeException("both nodes connected at once and the other's connection never came");
                    }

                    return;
                default:
                    // Already connected: this attempt was not needed.
                    return;
            }
        }
        catch (Exception ex) when (ex is HandshakeException or SocketException or IOException or OperationCanceledException or AuthenticationException or ObjectDisposedException)
        {
            var reason = ex is OperationCanceledException ? $"no answer within {Options.ConnectTimeout.TotalSeconds:0.#} s" : ex.Message;
            if (!IsStopping)
            {
                Log.ConnectFailed(peer.Name, reason);
            }

            peer.OnConnectFailed();
        }
        finally
        {
            socket?.Dispose();
        }
    }

    private async Task<(string Status, uint Creation)> InitiateAsync(Stream stream, Peer peer, CancellationToken cancellationToken)
    {
        var challenge = Handshake.NewChallenge();
        await Handshake.SendAsync(stream, Handshake.EncodeHello(new Hello(Handshake.Version, Name, Port, Creation, peer.Name, challenge)), cancellationToken).ConfigureAwait(false);
        var reply = Handshake.DecodeReply(await Handshake.ReceiveAsync(stream, cancellationToken).ConfigureAwait(false));
        if (reply.Status == Handshake.StatusWrongName)
        {
            throw new HandshakeException($"the node at that address is not named {peer.Name}");
        }

        if (!string.Equals(reply.Name, peer.Name, StringComparison.Ordinal))
        {
            throw new HandshakeException($"the node at that address is {reply.Name}, not {peer.Name}");
        }

        if (!Handshake.Verify(_cookie, "acceptor", challenge, Name, peer.Name, reply.Proof))
        {
            throw new HandshakeException("it did not prove it holds the cookie (the nodes' cookies differ)");
        }

        if (reply.Status == Handshake.StatusSimultaneous)
        {
            return (reply.Status, reply.Creation);
        }

        var proceed = reply.Status == Handshake.StatusOk || !peer.IsConnected;
        await Handshake.SendAsync(stream, Handshake.EncodeProof(Handshake.Proof(_cookie, "initiator", reply.Challenge, Name, peer.Name), proceed), cancellationToken).ConfigureAwait(false);
        if (!proceed)
        {
            return (Handshake.StatusAlive, reply.Creation);
        }

        Handshake.DecodeAck(await Handshake.ReceiveAsync(stream, cancellationToken).ConfigureAwait(false));
        LearnPort(peer.Name, reply.Port);
        return (Handshake.StatusOk, reply.Creation);
    }

    private async Task AcceptAsync(Socket socket, string endpoint)
    {
        var adopted = false;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            timeout.CancelAfter(Options.ConnectTimeout);
            var stream = await SecureAsync(socket, server: true, string.Empty, timeout.Token).ConfigureAwait(false);
            var hello = Handshake.DecodeHello(await Handshake.ReceiveAsync(stream, timeout.Token).ConfigureAwait(false));
            if (hello.Version != Handshake.Version)
            {
                throw new HandshakeException($"{hello.From} speaks protocol version {hello.Version}, this node {Handshake.Version}");
            }

            var challenge = Handshake.NewChallenge();
            var proof = Handshake.Proof(_cookie, "acceptor", hello.Challenge, hello.From, Name);
            if (!string.Equals(hello.To, Name, StringComparison.Ordinal) || string.Equals(hello.From, Name, StringComparison.Ordinal))
            {
                await Handshake.SendAsync(stream, Handshake.EncodeReply(new Reply(Handshake.StatusWrongName, Name, Port, Creation, challenge, new byte[32])), timeout.Token).ConfigureAwait(false);
                throw new HandshakeException($"{hello.From} asked for node {hello.To}; this is {Name}");
            }

            var peer = GetPeer(hello.From);
            var status = peer.IsConnecting && Handshake.KeepsOwnAttempt(Name, hello.From) ? Handshake.StatusSimultaneous
                : peer.IsConnected ? Handshake.StatusAlive
                : Handshake.StatusOk;
            await Handshake.SendAsync(stream, Handshake.EncodeReply(new Reply(status, Name, Port, Creation, challenge, proof)), timeout.Token).ConfigureAwait(false);
            if (status == Handshake.StatusSimultaneous)
            {
                return;
            }

            var (theirProof, proceed) = Handshake.DecodeProof(await Handshake.ReceiveAsync(stream, timeout.Token).ConfigureAwait(false));
            if (!Handshake.Verify(_cookie, "initiator", challenge, hello.From, Name, theirProof))
            {
                throw new HandshakeException($"{hello.From} did not prove it holds the cookie (a wrong cookie)");
            }

            if (!proceed)
            {
                return;
            }

            await Handshake.SendAsync(stream, Handshake.EncodeAck(), timeout.Token).ConfigureAwait(false);
            LearnPort(hello.From, hello.Port);
            var connection = new Connection(peer, socket, stream, hello.Creation, TimeProvider, Options.TickTime, MaxFrameBytes);
            adopted = peer.Adopt(connection, replaceLive: true, outgoing: false);
            if (!adopted)
            {
                connection.Close("a connection to the node was made meanwhile");
                adopted = true;
            }
        }
        catch (Exception ex) when (ex is HandshakeException or SocketException or IOException or OperationCanceledException or AuthenticationException or ObjectDisposedException)
        {
            if (!IsStopping)
            {
                Log.HandshakeRefused(endpoint, ex is OperationCanceledException ? $"no handshake within {Options.ConnectTimeout.TotalSeconds:0.#} s" : ex.Message);
            }
        }
        finally
        {
            if (!adopted)
            {
                socket.Dispose();
            }
        }
    }
}
