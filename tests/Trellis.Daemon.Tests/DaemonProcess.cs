using System.Diagnostics;
using System.Text.Json;
using Trellis.Daemon.Cli;

namespace Trellis.Daemon.Tests;

/// <summary>
/// A real <c>trellis up</c> in a temporary directory, with its own socket and a dashboard on a free port. Waits on
/// the daemon's own output and API with deadlines, never on sleeps.
/// </summary>
internal sealed class DaemonProcess : IAsyncDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _keepDir;

    private DaemonProcess(string dir, Process process)
    {
        Dir = dir;
        _process = process;
        Client = new DaemonClient(Socket);
    }

    public string Dir { get; }

    public string Socket => Path.Combine(Dir, "s", "trellis.sock");

    public string StateDir => Path.Combine(Dir, ".trellis");

    public DaemonClient Client { get; }

    public int Pid => _process.Id;

    public Task<int> Exited => _exited.Task;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    // The trellis command is the Trellis.Daemon apphost under another name; the build copies the apphost here.
    public static string TrellisCommand => Path.Combine(AppContext.BaseDirectory, "Trellis.Daemon");

    public static string DemoServices => Path.GetFullPath(Path.Combine(
        AppContext.BaseDirectory, "../../../../../examples/DemoServices/bin", Configuration, "net10.0/DemoServices"));

    private static string Configuration => AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";

    /// <summary>Writes <paramref name="yaml"/> to a new directory and starts the daemon on it.</summary>
    public static DaemonProcess Launch(string yaml, params string[] extra) => LaunchWith(TrellisCommand, yaml, extra);

    /// <summary>Like <see cref="Launch"/>, with another trellis binary (the native client).</summary>
    public static DaemonProcess LaunchWith(string command, string yaml, params string[] extra)
    {
        var dir = Directory.CreateTempSubdirectory("trellis-d-").FullName;
        File.WriteAllText(Path.Combine(dir, "tree.yaml"), yaml.Replace("$DIR", dir, StringComparison.Ordinal));
        return LaunchIn(dir, extra, command);
    }

    /// <summary>Starts another daemon on the tree file and state directory of <paramref name="earlier"/>, and waits until its tree has started.</summary>
    public static async Task<DaemonProcess> StartAgainAsync(DaemonProcess earlier)
    {
        earlier._keepDir = true;
        var d = LaunchIn(earlier.Dir, []);
        var first = await Task.WhenAny(d._started.Task, d._exited.Task).WaitAsync(Deadline);
        if (first == d._exited.Task)
        {
            throw new InvalidOperationException($"the daemon exited with {d._exited.Task.Result}:\n{d.Output}");
        }

        return d;
    }

    /// <summary>SIGKILL: the daemon gets no chance to stop anything.</summary>
    public async Task KillAsync()
    {
        _ = OsProcess.Native.Libc.kill(_process.Id, OsProcess.Signals.Kill);
        await _exited.Task.WaitAsync(Deadline);
    }

    private static DaemonProcess LaunchIn(string dir, string[] extra, string? command = null)
    {
        var info = new ProcessStartInfo(command ?? TrellisCommand)
        {
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { "up", Path.Combine(dir, "tree.yaml"), "--socket", Path.Combine(dir, "s", "trellis.sock"), "--port", "0" }.Concat(extra))
        {
            info.ArgumentList.Add(a);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var daemon = new DaemonProcess(dir, process);
        process.OutputDataReceived += (_, e) => daemon.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => daemon.OnLine(e.Data);
        process.Exited += (_, _) =>
        {
            // The parameterless wait returns once the redirected output has been read to its end.
            process.WaitForExit();
            daemon._exited.TrySetResult(process.ExitCode);
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return daemon;
    }

    /// <summary>Launches and waits until the tree has started.</summary>
    public static Task<DaemonProcess> StartAsync(string yaml, params string[] extra) => StartWithAsync(TrellisCommand, yaml, extra);

    /// <summary>Like <see cref="StartAsync"/>, with another trellis binary (the native client).</summary>
    public static async Task<DaemonProcess> StartWithAsync(string command, string yaml, params string[] extra)
    {
        var d = LaunchWith(command, yaml, extra);
        var first = await Task.WhenAny(d._started.Task, d._exited.Task).WaitAsync(Deadline);
        if (first == d._exited.Task)
        {
            throw new InvalidOperationException($"the daemon exited with {d._exited.Task.Result}:\n{d.Output}");
        }

        return d;
    }

    /// <summary>Runs the trellis CLI against this daemon.</summary>
    public Task<(int Code, string Out, string Err)> CtlAsync(params string[] args) =>
        RunTrellisAsync([.. args, "--socket", Socket]);

    public static Task<(int Code, string Out, string Err)> RunTrellisAsync(params string[] args) => RunWithAsync(TrellisCommand, args);

    /// <summary>Runs <paramref name="command"/> (a trellis binary) with <paramref name="args"/> to its end.</summary>
    public static async Task<(int Code, string Out, string Err)> RunWithAsync(string command, params string[] args)
    {
        var info = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(Deadline);
        return (p.ExitCode, await stdout, await stderr);
    }

    /// <summary>A node from <c>/api/nodes/NAME</c>.</summary>
    public async Task<JsonElement> NodeAsync(string name)
    {
        if (_exited.Task.IsCompleted)
        {
            throw new InvalidOperationException($"the daemon exited with {_exited.Task.Result}:\n{Output}");
        }

        var (status, body) = await Client.GetAsync($"api/nodes/{name}");
        Assert.Equal(200, status);
        return body;
    }

    public async Task<int> OsPidAsync(string name)
    {
        var n = await NodeAsync(name);
        return n.TryGetProperty("os_pid", out var p) ? p.GetInt32() : 0;
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> holds, re-checking after each event the daemon records (a long poll
    /// on /api/events), up to the deadline.
    /// </summary>
    public async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        var (_, first) = await Client.GetAsync("api/events?since=0");
        var seq = first.GetProperty("seq").GetInt64();
        while (!await condition())
        {
            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"timed out waiting for {what}\n{Output}");
            }

            System.Text.Json.JsonElement body;
            try
            {
                (_, body) = await Client.GetAsync($"api/events?since={seq}&wait=2", deadline.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                // The deadline passed during a long poll: say what was awaited and what happened, not just "canceled".
                var (_, events) = await Client.GetAsync("api/events?since=0");
                throw new TimeoutException($"timed out waiting for {what}\nevents: {events}\n{Output}");
            }

            seq = body.GetProperty("seq").GetInt64();
        }
    }

    /// <summary>Every event so far, in order.</summary>
    public async Task<List<(string Node, string Kind, string Detail)>> EventsAsync()
    {
        var (_, body) = await Client.GetAsync("api/events?since=0");
        return body.GetProperty("events").EnumerateArray()
            .Select(e => (e.GetProperty("node").GetString()!, e.GetProperty("kind").GetString()!, e.GetProperty("detail").GetString()!))
            .ToList();
    }

    /// <summary>SIGTERM, then the exit code.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            _ = OsProcess.Native.Libc.kill(_process.Id, OsProcess.Signals.Term);
        }

        return await _exited.Task.WaitAsync(Deadline);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (TimeoutException)
        {
            _process.Kill(entireProcessTree: true);
        }

        Client.Dispose();
        _process.Dispose();
        try
        {
            if (!_keepDir)
            {
                Directory.Delete(Dir, recursive: true);
            }
        }
        catch (IOException)
        {
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(line);
        }

        if (line.Contains("tree started:", StringComparison.Ordinal))
        {
            _started.TrySetResult();
        }
    }
}
