using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Trellis.Distribution;

/// <summary>How a node joins the network (see <see cref="NodeNetwork.StartAsync"/>).</summary>
public sealed class NetworkOptions
{
    /// <summary>The default <see cref="TickTime"/>: 8 seconds.</summary>
    public static readonly TimeSpan DefaultTickTime = TimeSpan.FromSeconds(8);

    /// <summary>
    /// The TCP port to listen on; 0 picks a free one (<see cref="NodeNetwork.Address"/> says which). The node's name
    /// (<see cref="NodeOptions.Name"/>) must be <c>name@host</c>.
    /// </summary>
    public int Port { get; set; }

    /// <summary>The address to listen on; by default the node's host when it is an IP address, else every interface.</summary>
    public IPAddress? BindAddress { get; set; }

    /// <summary>
    /// The shared secret every node of the cluster holds (Erlang's cookie). It never crosses the wire: each side proves
    /// it holds it with an HMAC-SHA256 of the other's random challenge. Required, at least 16 characters, unless
    /// <see cref="CookieFile"/> is set.
    /// </summary>
    public string? Cookie { get; set; }

    /// <summary>A file holding the cookie (its first line); it must not be readable by group or others (mode 0600 or 0400).</summary>
    public string? CookieFile { get; set; }

    /// <summary>
    /// Erlang's net_ticktime: a peer that sends nothing for three quarters of it is declared down, and every link and
    /// monitor across the connection fires with <c>noconnection</c>. A tick goes out every quarter when nothing else
    /// did, and silence is checked every eighth, so a frozen or unplugged peer is seen 3/4 to 7/8 of
    /// <see cref="TickTime"/> after it went silent; a killed one at once (its socket closes).
    /// 8 seconds by default: past a long garbage collection or a busy host, well before Erlang's 45 to 75 seconds.
    /// </summary>
    public TimeSpan TickTime { get; set; } = DefaultTickTime;

    /// <summary>How long a connection attempt (TCP, TLS and handshake) may take; 5 seconds by default.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The largest frame accepted or sent (one message with its envelope); 16 MiB by default. A larger one closes the connection.</summary>
    public int MaxFrameBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>At most this many connections may be in their handshake at once; more are closed at once. 64 by default.</summary>
    public int MaxPendingHandshakes { get; set; } = 64;

    /// <summary>The message types other nodes may send this node (besides strings, numbers, booleans, byte arrays, atoms, pids, exit reasons and arrays of these).</summary>
    public MessageTypes MessageTypes { get; } = new();

    /// <summary>TLS for untrusted networks: when set, every connection is TLS 1.2 or later, both ways authenticated by certificate.</summary>
    public NetworkTls? Tls { get; set; }

    /// <summary>The clock for ticks and timeouts; the node's by default.</summary>
    public TimeProvider? TimeProvider { get; set; }
}

/// <summary>TLS settings for <see cref="NetworkOptions.Tls"/>: mutual authentication with one certificate per node.</summary>
public sealed class NetworkTls
{
    /// <summary>This node's certificate, with its private key; presented both when accepting and when connecting.</summary>
    public required X509Certificate2 Certificate { get; init; }

    /// <summary>
    /// Decides whether a peer's certificate is acceptable. By default the platform's chain validation must pass with no
    /// error (so the peers' CA must be trusted); a cluster with its own CA checks the chain against it here.
    /// </summary>
    public RemoteCertificateValidationCallback? ValidatePeer { get; init; }
}
