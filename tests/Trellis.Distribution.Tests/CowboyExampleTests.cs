using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Trellis.Distribution.Tests;

/// <summary>
/// examples/Cowboy as the seed runs it: two serving nodes and a supervisor node, each its own process. A killed remote
/// parent is restarted; stopping the supervisor stops every listener; killing or freezing the supervisor's node stops
/// them within the tick time (the seed's orphan, gone).
/// </summary>
public sealed class CowboyExampleTests
{
    private const string Cookie = "cowboy-test-cookie-0123";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task KilledParent_IsRestarted_AndKillingTheSupervisorNode_StopsEveryListener()
    {
        var basePort = FreePort();
        await using var foo = await Example.StartAsync("foo", basePort);
        await using var bar = await Example.StartAsync("bar", basePort);
        await using var super = await Example.StartAsync("super", basePort, supervise: [foo, bar]);
        await AnswersAsync(basePort + 1);
        await AnswersAsync(basePort + 2);

        foo.Send("kill");
        await foo.WaitForLineAsync(l => l.StartsWith("to start cowboy", StringComparison.Ordinal), count: 2);
        await AnswersAsync(basePort + 1);

        var clock = Stopwatch.StartNew();
        super.Signal("KILL");
        // foo's first listener closed at the kill; each node's current one closes now.
        await foo.WaitForLineAsync(Stopped, count: 2);
        await bar.WaitForLineAsync(Stopped);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"listeners stopped after {clock.Elapsed}");
        await RefusedAsync(basePort + 1);
        await RefusedAsync(basePort + 2);
    }

    [Fact]
    public async Task FrozenSupervisorNode_ItsListenersStop_WithinTheTickTime_AndStopStopsThemToo()
    {
        var basePort = FreePort();
        await using var foo = await Example.StartAsync("foo", basePort);
        await using var super = await Example.StartAsync("super", basePort, supervise: [foo]);
        await AnswersAsync(basePort + 1);
        var clock = Stopwatch.StartNew();
        super.Signal("STOP");
        await foo.WaitForLineAsync(Stopped);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3.5), $"the listener stopped after {clock.Elapsed} at a tick time of 2 s");
        await RefusedAsync(basePort + 1);

        // (Woken up, that supervisor would restart its child: it is a supervisor. It stays frozen until disposed.)
        var otherPort = FreePort();
        await using var bar = await Example.StartAsync("bar", otherPort);
        await using var super2 = await Example.StartAsync("super2", otherPort, supervise: [bar]);
        await AnswersAsync(otherPort + 1);
        super2.Send("stop");
        await super2.WaitForLineAsync(l => l.StartsWith("supervisor stopped", StringComparison.Ordinal));
        await bar.WaitForLineAsync(Stopped);
        await RefusedAsync(otherPort + 1);
    }

    private static int FreePort()
    {
        // Room for 8080+i style ports: the listeners take base+1 and base+2, so all three must be free now (another
        // test's random port once sat on base+1).
        for (var attempt = 0; ; attempt++)
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            port = port > 60000 ? port - 1000 : port;
            if (attempt >= 50 || (Free(port + 1) && Free(port + 2)))
            {
                return port;
            }
        }

        static bool Free(int port)
        {
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return true;
            }
            catch (System.Net.Sockets.SocketException)
            {
                return false;
            }
        }
    }

    private static bool Stopped(string line) => line.StartsWith("cowboy stopped", StringComparison.Ordinal);

    /// <summary>A node prints "ready" once its children have started, and a parent once its listener listens: one request.</summary>
    private static async Task AnswersAsync(int port)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/"));
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", text);
    }

    /// <summary>After the listener printed that it closed its port: nothing answers there.</summary>
    private static async Task RefusedAsync(int port)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/")));
    }

    /// <summary>One invocation of examples/Cowboy, stopped by pid at the end.</summary>
    private sealed class Example : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly List<string> _lines = [];
        private readonly Lock _gate = new();
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private Example(Process process, string address)
        {
            _process = process;
            Address = address;
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null)
                {
                    return;
                }

                TaskCompletionSource changed;
                lock (_gate)
                {
                    _lines.Add(e.Data);
                    changed = _changed;
                    _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                changed.TrySetResult();
            };
            process.BeginOutputReadLine();
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (_gate)
                    {
                        _lines.Add("stderr: " + e.Data);
                    }
                }
            };
            process.BeginErrorReadLine();
        }

        public string Address { get; }

        public static async Task<Example> StartAsync(string stem, int basePort, Example[]? supervise = null)
        {
            var address = $"{stem}{Guid.NewGuid().ToString("N")[..4]}@127.0.0.1:{FreePort()}";
            var info = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { CowboyDll(), "--node", address, "--cookie", Cookie, "--tick", "2", "--base-port", basePort.ToString(CultureInfo.InvariantCulture) })
            {
                info.ArgumentList.Add(arg);
            }

            if (supervise is not null)
            {
                info.ArgumentList.Add("--supervise");
                info.ArgumentList.Add(string.Join(',', supervise.Select(s => s.Address)));
            }

            var example = new Example(Process.Start(info)!, address);
            try
            {
                await example.WaitForLineAsync(l => l == "ready");
            }
            catch
            {
                await example.DisposeAsync();
                throw;
            }

            return example;
        }

        public void Send(string command)
        {
            _process.StandardInput.WriteLine(command);
            _process.StandardInput.Flush();
        }

        public void Signal(string signal)
        {
            using var kill = Process.Start("/bin/kill", ["-" + signal, _process.Id.ToString(CultureInfo.InvariantCulture)]);
            kill.WaitForExit(5000);
        }

        public async Task WaitForLineAsync(Func<string, bool> match, int count = 1)
        {
            using var timeout = new CancellationTokenSource(Deadline);
            var exited = _process.WaitForExitAsync();
            while (true)
            {
                Task changed;
                lock (_gate)
                {
                    if (_lines.Count(match) >= count)
                    {
                        return;
                    }

                    changed = _changed.Task;
                }

                Task woke;
                try
                {
                    woke = await Task.WhenAny(changed, exited).WaitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    woke = exited;
                }

                if (woke != changed)
                {
                    lock (_gate)
                    {
                        Assert.Fail($"{Address} did not print the line ({(exited.IsCompleted ? "it exited" : "timed out")}); it printed:\n{string.Join('\n', _lines)}");
                    }
                }
            }
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

        private static string CowboyDll()
        {
            var dir = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
            var configuration = dir.Parent!.Name;
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Trellis.slnx")))
            {
                dir = dir.Parent;
            }

            var dll = Path.Combine(dir!.FullName, "examples", "Cowboy", "bin", configuration, "net10.0", "Cowboy.dll");
            Assert.True(File.Exists(dll), $"{dll} is built with the solution");
            return dll;
        }
    }
}
