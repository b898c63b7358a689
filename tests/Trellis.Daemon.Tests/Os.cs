namespace Trellis.Daemon.Tests;

/// <summary>Small facts about OS processes and ports for the tests.</summary>
internal static class Os
{
    public static bool Alive(int pid) => pid > 0 && OsProcess.Native.Libc.kill(pid, 0) == 0;

    public static int FreePort()
    {
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        var port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
