using System.Diagnostics;
using System.Globalization;

namespace Trellis.Cluster.Tests;

/// <summary>A line a member process printed: what, which child, on which node, at which monotonic time.</summary>
public sealed record Line(string Process, string What, string Child, string Node, long Time)
{
    public static Line Parse(string process, string text)
    {
        var parts = text.Split(' ');
        return parts.Length == 4
            ? new Line(process, parts[0], parts[1], parts[2], long.Parse(parts[3], CultureInfo.InvariantCulture))
            : new Line(process, text, "", "", Stopwatch.GetTimestamp());
    }
}

/// <summary>A cluster member in its own OS process (the test member program), stopped by pid when the test ends.</summary>
public sealed class MemberProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task _reader;

    private MemberProcess(Process process, string name, Sink sink)
    {
        _process = process;
        Name = name;
        _reader = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } text)
            {
                sink.Write(Line.Parse(name, text));
            }
        });
    }

    public string Name { get; }

    public int Pid => _process.Id;

    /// <summary>Starts a member; <paramref name="prefix"/> runs it through another command (<c>ip netns exec NS</c>).</summary>
    public static async Task<MemberProcess> StartAsync(string name, string etcd, string cluster, Sink sink, int own = 0, string[]? prefix = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Trellis.Cluster.TestNode.dll");
        string[] command = [.. prefix ?? [], "dotnet"];
        var info = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardInput = true, RedirectStandardError = true };
        foreach (var arg in command[1..].Concat([dll, "--name", name, "--etcd", etcd, "--cluster", cluster, "--ttl", "3", "--own", own.ToString(CultureInfo.InvariantCulture)]))
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        var member = new MemberProcess(process, name, sink);
        try
        {
            await sink.WaitForAsync<Line>(l => l.Process == name && l.What == "ready", TimeSpan.FromSeconds(30));
        }
        catch
        {
            await member.DisposeAsync();
            throw;
        }

        return member;
    }

    public void Signal(string signal) => Process.Start("kill", ["-" + signal, Pid.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();

    public bool HasExited => _process.HasExited;

    public async Task WaitForExitAsync() => await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Signal("CONT");
            _process.Kill();
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }

        await _reader.WaitAsync(TimeSpan.FromSeconds(10));
        _process.Dispose();
    }
}
