using System.Net.Sockets;
using System.Text;

namespace Trellis.Examples.DemoServices;

/// <summary>systemd's sd_notify: a datagram to $NOTIFY_SOCKET (a path, or "@name" for an abstract socket).</summary>
public static class SdNotify
{
    /// <summary>Sends <paramref name="state"/> (such as READY=1); false when there is no notify socket.</summary>
    /// <param name="state">The state line.</param>
    /// <returns>Whether it was sent.</returns>
    public static bool Send(string state)
    {
        var address = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(address))
        {
            return false;
        }

        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        var endpoint = new UnixDomainSocketEndPoint(address.StartsWith('@') ? "\0" + address[1..] : address);
        socket.SendTo(Encoding.UTF8.GetBytes(state), endpoint);
        return true;
    }
}
