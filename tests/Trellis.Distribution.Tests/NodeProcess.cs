using System.Diagnostics;
using System.Globalization;

namespace Trellis.Distribution.Tests;

/// <summary>A node in its own OS process (the test node program), stopped by pid when the test ends.</summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;

    private NodeProcess(Process process, string name, int port)
    {
        _process = process;
        Name = name;
        Port = port;
    }

    public string Name { get; }

    public int Port { get; }

    public int Pid => _process.Id;

    public NodeAddress Address => new(Name, Port);

    public static async Task<NodeProcess> StartAsync(string name, double tickSeconds = 4, string cookie = Pair.Cookie, string? connect = null, string? supervise = null, string? pidFile = null, string? netns = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Trellis.Distribution.TestNode.dll");
        // In a network namespace, `ip netns exec` execs dotnet in it: the pid is still the node's.
        var info = new ProcessStartInfo(netns is null ? "dotnet" : "ip") { RedirectStandardOutput = true, RedirectStandardInput = true, RedirectStandardError = true };
        foreach (var arg in netns is null ? [] : new[] { "netns", "exec", netns, "dotnet" })
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var arg in new[] { dll, "--name", name, "--cookie", cookie, "--tick", tickSeconds.ToString(CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (option, value) in new[] { ("--connect", connect), ("--supervise", supervise), ("--pidfile", pidFile) })
        {
            if (value is not null)
            {
                info.ArgumentList.Add(option);
                info.ArgumentList.Add(value);
            }
        }

        var process = Process.Start(info)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        try
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            if (line is null || !line.StartsWith("ready ", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"the test node {name} did not start: {line}");
            }

            return new NodeProcess(process, name, int.Parse(line.AsSpan(6), CultureInfo.InvariantCulture));
        }
        catch
        {
            process.Kill();
            process.Dispose();
            throw;
        }
    }

    public void Signal(string signal)
    {
        using var kill = Process.Start("/bin/kill", ["-" + signal, Pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit(5000);
    }

    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Signal("CONT");
            _process.Kill();
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
    }
}
