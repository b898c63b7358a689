using System.Diagnostics;
using System.Threading.Channels;

namespace Trellis.Daemon.Tests;

/// <summary><c>trellis logs NAME -f</c>: the backlog, then every new line as the program writes it, across restarts.</summary>
public sealed class LogFollowTests
{
    [Fact]
    public async Task Logs_follow_prints_the_backlog_then_new_lines_live_across_a_restart_and_ends_on_interrupt()
    {
        // The program writes a line for each line the test writes into its FIFO, so the test decides when output comes.
        // It holds the FIFO open for reading and writing, so a line is never lost between two reads and never ends
        // the loop with an end of file.
        await using var d = await DaemonProcess.StartAsync("""
            name: follow
            children:
              - service: echo
                command: [sh, -c, 'rm -f $DIR/in; mkfifo $DIR/in; exec 3<> $DIR/in; echo "ready $$"; while read x <&3; do echo "got $x"; done']
            """);
        var fifo = Path.Combine(d.Dir, "in");
        await d.WaitForAsync(async () => System.Text.RegularExpressions.Regex.IsMatch((await d.CtlAsync("logs", "echo")).Out, "stdout +ready"), "the first line");

        await using var follower = Follower.Start(d, "logs", "echo", "-f", "-n", "5");
        var pid = await d.OsPidAsync("echo");
        Assert.Equal($"ready {pid}", await follower.NextAsync("stdout"));

        await WriteAsync(fifo, "hello");
        Assert.Equal("got hello", await follower.NextAsync("stdout"));
        await WriteAsync(fifo, "again");
        Assert.Equal("got again", await follower.NextAsync("stdout"));

        // A kill: the daemon's note about the exit, then the new run's first line, reach the same follower.
        Assert.Equal(0, (await d.CtlAsync("kill", "echo")).Code);
        Assert.Contains("killed", await follower.NextAsync("trellis"), StringComparison.Ordinal);
        var next = await follower.NextAsync("stdout");
        Assert.Matches("^ready [0-9]+$", next);
        Assert.NotEqual($"ready {pid}", next);

        // Ctrl-C ends the stream with exit code 0.
        Assert.Equal(0, OsProcess.Native.Libc.kill(follower.Pid, OsProcess.Signals.Interrupt));
        Assert.Equal(0, await follower.ExitAsync());
    }

    [Fact]
    public async Task Following_a_supervisor_interleaves_its_subtree_with_node_names_and_an_unknown_node_exits_4()
    {
        await using var d = await DaemonProcess.StartAsync("""
            name: follow
            children:
              - supervisor: group
                children:
                  - service: a
                    command: [sh, -c, 'echo "from-a $$"; exec sleep 1000']
                  - service: b
                    command: [sh, -c, 'echo "from-b $$"; exec sleep 1000']
              - service: c
                command: [sh, -c, 'echo "from-c $$"; exec sleep 1000']
            """);
        var (code, _, err) = await d.CtlAsync("logs", "nope", "-f");
        Assert.Equal(4, code);
        Assert.Contains("nope", err, StringComparison.Ordinal);

        await d.WaitForAsync(async () => (await d.CtlAsync("logs", "group")).Out.Contains("from-b", StringComparison.Ordinal), "b's first line");
        await using var follower = Follower.Start(d, "logs", "group", "-f", "-n", "20");
        var seen = new List<string>();
        while (!(seen.Any(l => l.Contains("a | stdout  from-a", StringComparison.Ordinal)) && seen.Any(l => l.Contains("b | stdout  from-b", StringComparison.Ordinal))))
        {
            seen.Add(await follower.NextRawAsync());
        }

        // c is outside the subtree: its restart is not shown, a's is.
        var aPid = await d.OsPidAsync("a");
        Assert.Equal(0, (await d.CtlAsync("kill", "c")).Code);
        Assert.Equal(0, (await d.CtlAsync("kill", "a")).Code);
        string line;
        do
        {
            line = await follower.NextRawAsync();
            seen.Add(line);
        }
        while (!(line.Contains("from-a", StringComparison.Ordinal) && !line.Contains($"from-a {aPid}", StringComparison.Ordinal)));
        Assert.DoesNotContain(seen, l => l.Contains("from-c", StringComparison.Ordinal) || l.Contains("c | ", StringComparison.Ordinal));
    }

    // Opening a FIFO blocks until it has a reader; the deadline keeps a broken program from hanging the test.
    private static Task WriteAsync(string fifo, string line) =>
        Task.Run(() => File.AppendAllText(fifo, line + "\n")).WaitAsync(DaemonProcess.Deadline);

    /// <summary>A running <c>trellis logs -f</c> whose lines the test reads one at a time, with a deadline.</summary>
    private sealed class Follower : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
        private readonly List<string> _stderr = [];

        private Follower(Process process) => _process = process;

        public int Pid => _process.Id;

        public static Follower Start(DaemonProcess d, params string[] args)
        {
            var info = new ProcessStartInfo(DaemonProcess.TrellisCommand) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args.Concat(["--socket", d.Socket]))
            {
                info.ArgumentList.Add(a);
            }

            var process = new Process { StartInfo = info };
            var follower = new Follower(process);
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null)
                {
                    follower._lines.Writer.TryComplete();
                }
                else
                {
                    follower._lines.Writer.TryWrite(e.Data);
                }
            };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (follower._stderr)
                    {
                        follower._stderr.Add(e.Data);
                    }
                }
            };
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return follower;
        }

        /// <summary>The text of the next line from <paramref name="stream"/> (the CLI prints "TIME STREAM TEXT").</summary>
        public async Task<string> NextAsync(string stream)
        {
            using var deadline = new CancellationTokenSource(DaemonProcess.Deadline);
            try
            {
                while (true)
                {
                    var parts = (await _lines.Reader.ReadAsync(deadline.Token)).Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
                    if (parts.Length == 3 && parts[1] == stream)
                    {
                        return parts[2];
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
            {
                lock (_stderr)
                {
                    throw new InvalidOperationException("logs -f printed no further line; stderr: " + string.Join('\n', _stderr), ex);
                }
            }
        }

        /// <summary>The next line as printed.</summary>
        public async Task<string> NextRawAsync()
        {
            using var deadline = new CancellationTokenSource(DaemonProcess.Deadline);
            try
            {
                return await _lines.Reader.ReadAsync(deadline.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
            {
                lock (_stderr)
                {
                    throw new InvalidOperationException("logs -f printed no further line; stderr: " + string.Join('\n', _stderr), ex);
                }
            }
        }

        public async Task<int> ExitAsync()
        {
            await _process.WaitForExitAsync().WaitAsync(DaemonProcess.Deadline);
            return _process.ExitCode;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }
    }
}
