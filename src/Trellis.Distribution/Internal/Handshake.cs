using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using MessagePack;

namespace Trellis.Distribution.Internal;

/// <summary>
/// The handshake, after TCP (and TLS) and before anything else: each side sends a random 32-byte challenge and proves
/// it holds the cookie with an HMAC-SHA256 of the other's challenge, bound to both node names and to its role. The
/// cookie never crosses the wire; proofs are compared in constant time. Frames are at most <see cref="MaxFrame"/> bytes.
/// <code>
/// initiator → acceptor  [1, version, initiator, port, creation, acceptor, challengeI]
/// acceptor → initiator  [2, status, acceptor, port, creation, challengeA, proofA]   status: ok | simultaneous | alive | name
/// initiator → acceptor  [3, proofI, continue]                                     continue: after "alive", whether to replace the old connection
/// acceptor → initiator  [4]                                                       (or the connection closes)
/// </code>
/// </summary>
internal static class Handshake
{
    public const int Version = 1;
    public const int MaxFrame = 1024;
    public const int ChallengeBytes = 32;

    public const string StatusOk = "ok";
    public const string StatusSimultaneous = "simultaneous";
    public const string StatusWrongName = "name";
    public const string StatusAlive = "alive";

    public static byte[] NewChallenge() => RandomNumberGenerator.GetBytes(ChallengeBytes);

    /// <summary>The proof that the side in <paramref name="role"/> holds <paramref name="cookie"/>, for the other's challenge.</summary>
    public static byte[] Proof(byte[] cookie, string role, ReadOnlySpan<byte> challenge, string initiator, string acceptor)
    {
        var text = Encoding.UTF8.GetBytes($"trellis-dist-v{Version}\n{role}\n{initiator}\n{acceptor}\n");
        var data = new byte[text.Length + challenge.Length];
        text.CopyTo(data, 0);
        challenge.CopyTo(data.AsSpan(text.Length));
        return HMACSHA256.HashData(cookie, data);
    }

    /// <summary>Whether <paramref name="proof"/> is the expected one, in constant time.</summary>
    public static bool Verify(byte[] cookie, string role, ReadOnlySpan<byte> challenge, string initiator, string acceptor, ReadOnlySpan<byte> proof) =>
        proof.Length == 32 && CryptographicOperations.FixedTimeEquals(Proof(cookie, role, challenge, initiator, acceptor), proof);

    /// <summary>Who keeps a connection when two nodes connect to each other at once: the one the lower-named node started.</summary>
    public static bool KeepsOwnAttempt(string self, string other) => string.CompareOrdinal(self, other) < 0;

    /// <summary>Writes one handshake frame.</summary>
    public static async ValueTask SendAsync(Stream stream, byte[] body, CancellationToken cancellationToken)
    {
        var frame = new byte[4 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, body.Length);
        body.CopyTo(frame, 4);
        await stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads one handshake frame; a longer one than <see cref="MaxFrame"/> is refused.</summary>
    public static async ValueTask<byte[]> ReceiveAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[4];
        await stream.ReadExactlyAsync(header, cancellationToken).ConfigureAwait(false);
        var length = BinaryPrimitives.ReadInt32BigEndian(header);
        if (length is < 1 or > MaxFrame)
        {
            throw new HandshakeException($"a handshake frame of {length} bytes (at most {MaxFrame})");
        }

        var body = new byte[length];
        await stream.ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
        return body;
    }

    public static byte[] EncodeHello(Hello hello)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(7);
        writer.Write(1);
        writer.Write(hello.Version);
        writer.Write(hello.From);
        writer.Write(hello.Port);
        writer.Write(hello.Creation);
        writer.Write(hello.To);
        writer.Write(hello.Challenge);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    public static Hello DecodeHello(byte[] body)
    {
        try
        {
            return DecodeHelloCore(body);
        }
        catch (MessagePackSerializationException ex)
        {
            throw new HandshakeException("a malformed hello", ex);
        }
    }

    public static Reply DecodeReply(byte[] body)
    {
        try
        {
            return DecodeReplyCore(body);
        }
        catch (MessagePackSerializationException ex)
        {
            throw new HandshakeException("a malformed handshake reply", ex);
        }
    }

    private static Hello DecodeHelloCore(byte[] body)
    {
        var reader = Start(body, 1, 7);
        var version = reader.ReadInt32();
        var from = Name(ref reader);
        var port = Port(ref reader);
        var creation = reader.ReadUInt32();
        var to = reader.ReadString() ?? string.Empty;
        return new Hello(version, from, port, creation, to, Challenge(ref reader));
    }

    public static byte[] EncodeReply(Reply reply)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(7);
        writer.Write(2);
        writer.Write(reply.Status);
        writer.Write(reply.Name);
        writer.Write(reply.Port);
        writer.Write(reply.Creation);
        writer.Write(reply.Challenge);
        writer.Write(reply.Proof);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static Reply DecodeReplyCore(byte[] body)
    {
        var reader = Start(body, 2, 7);
        var status = reader.ReadString() ?? string.Empty;
        var name = Name(ref reader);
        var port = Port(ref reader);
        var creation = reader.ReadUInt32();
        var challenge = Challenge(ref reader);
        var proof = reader.ReadBytes()?.ToArray() ?? [];
        return new Reply(status, name, port, creation, challenge, proof);
    }

    public static byte[] EncodeProof(byte[] proof, bool proceed)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(3);
        writer.Write(3);
        writer.Write(proof);
        writer.Write(proceed);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    public static (byte[] Proof, bool Proceed) DecodeProof(byte[] body)
    {
        var reader = Start(body, 3, 3);
        try
        {
            return (reader.ReadBytes()?.ToArray() ?? [], reader.ReadBoolean());
        }
        catch (MessagePackSerializationException ex)
        {
            throw new HandshakeException("a malformed proof", ex);
        }
    }

    public static byte[] EncodeAck()
    {
        var buffer = new ArrayBufferWriter<byte>(8);
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(1);
        writer.Write(4);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    public static void DecodeAck(byte[] body) => Start(body, 4, 1);

    private static MessagePackReader Start(byte[] body, int kind, int count)
    {
        try
        {
            var reader = new MessagePackReader(body);
            if (reader.ReadArrayHeader() != count || reader.ReadInt32() != kind)
            {
                throw new HandshakeException($"expected handshake message {kind}");
            }

            return reader;
        }
        catch (MessagePackSerializationException ex)
        {
            throw new HandshakeException("a malformed handshake message", ex);
        }
    }

    private static string Name(ref MessagePackReader reader)
    {
        var name = reader.ReadString();
        return NodeAddress.IsValidName(name, out var error) ? name! : throw new HandshakeException($"a bad node name: {error}");
    }

    private static int Port(ref MessagePackReader reader)
    {
        var port = reader.ReadInt32();
        return port is >= 0 and <= 65535 ? port : throw new HandshakeException($"a bad port {port}");
    }

    private static byte[] Challenge(ref MessagePackReader reader)
    {
        var challenge = reader.ReadBytes()?.ToArray();
        return challenge is { Length: ChallengeBytes } ? challenge : throw new HandshakeException("a challenge is 32 bytes");
    }
}

/// <summary>The initiator's first message.</summary>
internal sealed record Hello(int Version, string From, int Port, uint Creation, string To, byte[] Challenge);

/// <summary>The acceptor's answer: its status, identity, challenge, and proof for the initiator's challenge.</summary>
internal sealed record Reply(string Status, string Name, int Port, uint Creation, byte[] Challenge, byte[] Proof);

/// <summary>A handshake that failed: a wrong cookie, a wrong name, garbage, or a peer that took too long.</summary>
internal sealed class HandshakeException : Exception
{
    public HandshakeException(string message)
        : base(message)
    {
    }

    public HandshakeException()
        : this("the handshake failed")
    {
    }

    public HandshakeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
