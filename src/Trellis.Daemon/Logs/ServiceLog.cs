using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;

namespace Trellis.Daemon.Logs;

/// <summary>
/// One service's output: <c>__stdout</c> and <c>__stderr</c> in its status directory, as supervise writes them,
/// each rotated when it passes the size limit to <c>__stdout.@YYYYMMDDTHHMMSS.fffffff</c> (at most the configured
/// number of old files per stream, and the global cap over all services); the last lines in memory for the
/// dashboard and <c>trellis logs</c>; and followers for <c>logs -f</c>. Lines arrive on the output poller's thread
/// (programs) or the writer's own (a .NET worker's ILogger, the daemon's own log). Files are created 0640: logs can
/// hold secrets.
/// </summary>
internal sealed class ServiceLog : IDisposable
{
    /// <summary>Lines kept in memory per service.</summary>
    public const int RecentLines = 100;

    private readonly Lock _lock = new();
    private readonly string _dir;
    private readonly LogConfig _config;
    private readonly LogBudget _budget;
    private readonly TimeProvider _time;
    private readonly Stream _out;
    private readonly Stream _err;
    private readonly Queue<LogLine> _recent = new();
    private readonly List<ChannelWriter<LogLine>> _followers = [];
    private readonly string _node;

    public ServiceLog(string node, string dir, Config.LogConfig config, LogBudget budget, TimeProvider time)
    {
        _node = node;
        _dir = dir;
        _config = new LogConfig(config.MaxSize, config.MaxFiles);
        _budget = budget;
        _time = time;
        _out = new Stream(Path.Combine(dir, "__stdout"));
        _err = new Stream(Path.Combine(dir, "__stderr"));
        foreach (var s in new[] { _out, _err })
        {
            foreach (var (path, size, order) in s.Archives())
            {
                _budget.AddArchive(path, size, order);
            }
        }

        _budget.SetCurrent(this, _out.Size + _err.Size);
    }

    /// <summary>The stdout file's path.</summary>
    public string StdoutPath => _out.Path;

    /// <summary>The stderr file's path.</summary>
    public string StderrPath => _err.Path;

    /// <summary>Records a line the program wrote to stdout.</summary>
    public void Stdout(string line) => Write(_out, "stdout", line);

    /// <summary>Records a line the program wrote to stderr.</summary>
    public void Stderr(string line) => Write(_err, "stderr", line);

    /// <summary>Records a line of the daemon's own about this service (shown with the service's output).</summary>
    public void Daemon(string line) => Write(null, "trellis", line);

    /// <summary>The last <paramref name="count"/> lines (at or after <paramref name="since"/>, when given).</summary>
    public IReadOnlyList<LogLine> Tail(int count, DateTimeOffset? since = null)
    {
        lock (_lock)
        {
            var lines = since is { } from ? _recent.Where(l => l.Time >= from).ToArray() : _recent.ToArray();
            return lines.Length <= count ? lines : lines[^count..];
        }
    }

    /// <summary>
    /// The last <paramref name="backlog"/> lines, and every line after them into <paramref name="writer"/> until the
    /// subscription is disposed: taken under one lock, so no line is both in the backlog and in the writer, and none
    /// falls between them. Several logs may share one writer (a subtree's follow); disposing does not complete it.
    /// </summary>
    public (IReadOnlyList<LogLine> Backlog, IDisposable Subscription) Follow(int backlog, DateTimeOffset? since, ChannelWriter<LogLine> writer)
    {
        lock (_lock)
        {
            _followers.Add(writer);
            return (Tail(backlog, since), new Unsubscribe(this, writer));
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _out.Dispose();
            _err.Dispose();

            // A follower may share its writer with other logs (a subtree's follow): it is let go, not completed.
            _followers.Clear();
        }

        _budget.Remove(this);
    }

    private void Write(Stream? stream, string name, string text)
    {
        var line = new LogLine(_time.GetUtcNow(), _node, name, text);
        lock (_lock)
        {
            if (stream is not null)
            {
                try
                {
                    stream.Append(text, _config, _budget, _time.GetUtcNow());
                    _budget.SetCurrent(this, _out.Size + _err.Size);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // A full or broken disk must not stop the program's pipe from being drained: the line stays in
                    // memory for the dashboard, and the failure is shown beside it.
                    Remember(new LogLine(line.Time, _node, "trellis", $"could not write {stream.Path}: {ex.Message}"));
                }
            }

            Remember(line);
        }
    }

    // Under the lock: keeps the line in memory and hands it to every follower.
    private void Remember(LogLine line)
    {
        _recent.Enqueue(line);
        if (_recent.Count > RecentLines)
        {
            _recent.Dequeue();
        }

        foreach (var f in _followers)
        {
            f.TryWrite(line);
        }
    }

    private readonly record struct LogConfig(long MaxSize, int MaxFiles);

    private sealed class Unsubscribe(ServiceLog log, ChannelWriter<LogLine> writer) : IDisposable
    {
        public void Dispose()
        {
            lock (log._lock)
            {
                log._followers.Remove(writer);
            }
        }
    }

    /// <summary>One stream's current file and its rotated ones.</summary>
    private sealed class Stream(string path) : IDisposable
    {
        private const UnixFileMode FileMode0640 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
        private FileStream? _file;
        private SafeFileHandle? _handle;

        public string Path { get; } = path;

        public long Size { get; private set; } = File.Exists(path) ? new FileInfo(path).Length : 0;

        public IEnumerable<(string Path, long Size, long Order)> Archives()
        {
            var dir = System.IO.Path.GetDirectoryName(Path)!;
            var prefix = System.IO.Path.GetFileName(Path) + ".@";
            if (!Directory.Exists(dir))
            {
                yield break;
            }

            foreach (var f in Directory.GetFiles(dir, prefix + "*").Order(StringComparer.Ordinal))
            {
                var info = new FileInfo(f);
                yield return (f, info.Length, info.LastWriteTimeUtc.Ticks);
            }
        }

        public void Append(string text, LogConfig config, LogBudget budget, DateTimeOffset now)
        {
            var bytes = Encoding.UTF8.GetBytes(text + "\n");
            if (Size > 0 && Size + bytes.Length > config.MaxSize)
            {
                Rotate(config, budget, now);
            }

            if (_handle is null)
            {
                _file = new FileStream(Path, new FileStreamOptions
                {
                    Mode = FileMode.OpenOrCreate,
                    Access = FileAccess.Write,
                    Share = FileShare.ReadWrite | FileShare.Delete,
                    BufferSize = 0,
                    UnixCreateMode = FileMode0640,
                });
                _handle = _file.SafeFileHandle;

                // A file an older daemon made 0644 is closed to others from now on.
                File.SetUnixFileMode(_handle, FileMode0640);
            }

            RandomAccess.Write(_handle, bytes, Size);
            Size += bytes.Length;
        }

        public void Dispose()
        {
            _file?.Dispose();
            _file = null;
            _handle = null;
        }

        private void Rotate(LogConfig config, LogBudget budget, DateTimeOffset now)
        {
            Dispose();
            var archived = Size;
            var archive = Path + ".@" + now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss.fffffff", CultureInfo.InvariantCulture);
            File.Move(Path, archive, overwrite: true);
            Size = 0;
            var old = Archives().ToList();
            foreach (var (p, _, _) in old.Take(Math.Max(0, old.Count - config.MaxFiles)))
            {
                budget.Forget(p);
                LogBudget.TryDelete(p);
            }

            if (config.MaxFiles > 0 && File.Exists(archive))
            {
                budget.AddArchive(archive, archived, now.UtcTicks);
            }
        }
    }
}
