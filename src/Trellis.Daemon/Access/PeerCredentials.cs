using System.Buffers.Binary;
using System.Net.Sockets;

namespace Trellis.Daemon.Access;

/// <summary>Who is at the other end of a Unix socket, as the kernel says (<c>SO_PEERCRED</c>, <c>SO_PEERGROUPS</c>).</summary>
internal sealed record PeerCredentials(int Pid, uint Uid, uint Gid, IReadOnlyList<uint> Groups)
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;
    private const int SoPeerGroups = 59;

    // Enough for any ordinary account; a peer in more groups than this is judged by its uid and primary group.
    private const int MaxGroups = 1024;

    /// <summary>Reads the peer of a connected Unix socket; null when the kernel does not say.</summary>
    public static PeerCredentials? Of(Socket socket)
    {
        Span<byte> cred = stackalloc byte[12];
        try
        {
            if (socket.GetRawSocketOption(SolSocket, SoPeerCred, cred) != 12)
            {
                return null;
            }
        }
        catch (SocketException)
        {
            return null;
        }

        var pid = BinaryPrimitives.ReadInt32LittleEndian(cred);
        var uid = BinaryPrimitives.ReadUInt32LittleEndian(cred[4..]);
        var gid = BinaryPrimitives.ReadUInt32LittleEndian(cred[8..]);
        var groups = new List<uint>();
        Span<byte> buffer = stackalloc byte[MaxGroups * 4];
        try
        {
            var length = socket.GetRawSocketOption(SolSocket, SoPeerGroups, buffer);
            for (var i = 0; i + 4 <= length; i += 4)
            {
                groups.Add(BinaryPrimitives.ReadUInt32LittleEndian(buffer[i..]));
            }
        }
        catch (SocketException)
        {
            // An older kernel, or more groups than the buffer: the primary group still counts.
        }

        return new PeerCredentials(pid, uid, gid, groups);
    }

    /// <summary>How the audit line names this caller.</summary>
    public override string ToString() => $"uid {Uid} pid {Pid} (socket)";
}
