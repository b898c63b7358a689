using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Trellis.Examples.DemoServices;

/// <summary>A small HTTP service on 127.0.0.1: answers every request with its pid and uptime.</summary>
public static class HttpService
{
    /// <summary>Listens on <paramref name="port"/>, says READY=1, and serves until SIGTERM.</summary>
    /// <param name="port">The port.</param>
    /// <returns>The exit code.</returns>
    public static async Task<int> RunAsync(int port)
    {
        using var stop = new CancellationTokenSource();
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"http: listening on 127.0.0.1:{port}");
        SdNotify.Send("READY=1");
        var served = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                using var client = await listener.AcceptTcpClientAsync(stop.Token);
                var stream = client.GetStream();
                var buffer = new byte[4096];
                _ = await stream.ReadAsync(buffer, stop.Token);
                served++;
                var body = $"hello from pid {Environment.ProcessId}, up {clock.Elapsed.TotalSeconds:0}s, request {served}\n";
                var response = $"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}";
                await stream.WriteAsync(Encoding.UTF8.GetBytes(response), stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }

        Console.WriteLine($"http: stopping after {served} requests");
        listener.Stop();
        return 0;
    }
}
