using System.Net.Sockets;
using System.Text;
using Trellis.Daemon.Config;
using Trellis.OsProcess;

namespace Trellis.Daemon.Runtime;

/// <summary>How a wait for readiness ended.</summary>
internal enum ReadyOutcome
{
    Ready,
    Exited,
    TimedOut,
    Cancelled,
}

/// <summary>
/// One start's wait for a service to say it is ready: a newline on a notification descriptor (s6), <c>READY=1</c>
/// on <c>$NOTIFY_SOCKET</c> (systemd), or a check command that exits 0. Owns its socket; disposed after the wait.
/// </summary>
internal sealed class Readiness : IDisposable
{
    private readonly ReadinessConfig _config;
    private readonly TaskCompletionSource _signalled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Socket? _socket;
    private readonly string? _socketPath;

    private Readiness(ReadinessConfig config, Socket? socket, string? socketPath)
    {
        _config = config;
        _socket = socket;
        _socketPath = socketPath;
    }

    /// <summary>Prepares the channel and returns the program spec that uses it.</summary>
    public static Readiness Prepare(ReadinessConfig config, string statusDir, ref ProgramSpec spec)
    {
        switch (config.Kind)
        {
            case ReadinessKind.Fd:
            {
                var r = new Readiness(config, null, null);
                spec = spec with { Notification = OutputTarget.Lines(_ => r._signalled.TrySetResult()), NotificationFd = config.Fd };
                return r;
            }

            case ReadinessKind.Systemd:
            {
                var path = Path.Combine(statusDir, "notify");
                var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
                string address;
                if (System.Text.Encoding.UTF8.GetByteCount(path) < 100)
                {
                    File.Delete(path);
                    socket.Bind(new UnixDomainSocketEndPoint(path));
                    address = path;
                }
                else
                {
                    // Too long for sun_path: an abstract socket, which sd_notify accepts as "@name".
                    var name = $"trellis/{Environment.ProcessId}/{Guid.NewGuid():N}";
                    socket.Bind(new UnixDomainSocketEndPoint("\0" + name));
                    address = "@" + name;
                    path = string.Empty;
                }

                var env = new Dictionary<string, string?>(spec.Environment) { ["NOTIFY_SOCKET"] = address };
                spec = spec with { Environment = env };
                return new Readiness(config, socket, path.Length > 0 ? path : null);
            }

            default:
                return new Readiness(config, null, null);
        }
    }

    /// <summary>Waits until ready, the program's exit, the timeout, or <paramref name="cancel"/>.</summary>
    public async Task<ReadyOutcome> WaitAsync(Node node, ProgramSpec program, Task exited, TimeProvider time, CancellationToken cancel)
    {
        using var timeout = new CancellationTokenSource(_config.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancel);
        var ready = _config.Kind switch
        {
            ReadinessKind.Systemd => ReceiveReadyAsync(linked.Token),
            ReadinessKind.Check => CheckAsync(node, program, time, linked.Token),
            _ => _signalled.Task,
        };
        var stop = Task.Delay(Timeout.Infinite, linked.Token);
        var first = await Task.WhenAny(ready, exited, stop).ConfigureAwait(false);

        // Whatever won, the others end now: the socket receive and the check loop watch the token (and are awaited
        // here, so nothing of this start outlives it); the descriptor's signal is only a completion source.
        await linked.CancelAsync().ConfigureAwait(false);
        if (_config.Kind != ReadinessKind.Fd)
        {
            await ready.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).ConfigureAwait(false);
        }
        if (first == ready && ready.IsCompletedSuccessfully)
        {
            return ReadyOutcome.Ready;
        }

        if (first == exited)
        {
            return ReadyOutcome.Exited;
        }

        return cancel.IsCancellationRequested ? ReadyOutcome.Cancelled : ReadyOutcome.TimedOut;
    }

    public void Dispose()
    {
        _socket?.Dispose();
        if (_socketPath is not null)
        {
            try
            {
                File.Delete(_socketPath);
            }
            catch (IOException)
            {
            }
        }
    }

    private async Task ReceiveReadyAsync(CancellationToken cancel)
    {
        var buffer = new byte[4096];
        while (true)
        {
            var n = await _socket!.ReceiveAsync(buffer, SocketFlags.None, cancel).ConfigureAwait(false);
            var text = Encoding.UTF8.GetString(buffer, 0, n);
            if (text.Split('\n').Any(l => l.Trim() == "READY=1"))
            {
                return;
            }
        }
    }

    private async Task CheckAsync(Node node, ProgramSpec program, TimeProvider time, CancellationToken cancel)
    {
        var check = program with
        {
            FileName = _config.Check[0],
            Arguments = _config.Check.Skip(1).ToArray(),
            Notification = null,
            StandardOutput = OutputTarget.Null,
            StandardError = OutputTarget.Null,

            // The daemon's probe, not part of the service: no restart delay before each run, and outside the
            // service's cgroup (whose kill at the check's exit would take the service with it).
            StartDelay = TimeSpan.Zero,
            ControlGroup = null,
        };
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            var start = await ProgramChild.StartAsync(node, check, time, cancel).ConfigureAwait(false);
            if (start.IsOk)
            {
                ExitReason reason;
                try
                {
                    reason = await Node.WaitForExitAsync(start.Pid, cancel).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // A check still running when the wait ends is killed with its whole group.
                    Node.Exit(start.Pid, ExitReason.Kill);
                    throw;
                }

                if (reason.IsNormal)
                {
                    return;
                }
            }

            await Task.Delay(_config.Interval, time, cancel).ConfigureAwait(false);
        }
    }
}
