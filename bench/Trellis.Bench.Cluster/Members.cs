using System.Diagnostics;
using System.Globalization;

namespace Trellis.Bench.Cluster;

/// <summary>
/// The member processes of a run: started with fresh names, killed and frozen by pid, every output line kept (with
/// the killed ones'), and the overlap checker over the ticks they printed.
/// </summary>
internal sealed class Members(string etcd, string cluster, int ttl) : IDisposable
{
    private readonly Dictionary<string, Process> _live = new(StringComparer.Ordinal);
    private readonly List<Process> _all = [];
    private readonly List<string> _lines = [];
    private int _next;

    public List<string> Live
    {
        get
        {
            lock (_lines)
            {
                return [.. _live.Keys];
            }
        }
    }

    public async Task StartAsync()
    {
        var name = $"m{++_next}@127.0.0.1";
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardInput = true, RedirectStandardError = true };
        foreach (var a in new[] { typeof(Members).Assembly.Location, "serve", name, etcd, cluster, ttl.ToString(CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(a);
        }

        var process = Process.Start(info)!;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            if (e.Data == "ready")
            {
                ready.TrySetResult();
            }

            lock (_lines)
            {
                _lines.Add(e.Data);
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        lock (_lines)
        {
            _live[name] = process;
            _all.Add(process);
        }

        await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    public void Kill(string name)
    {
        Process p;
        lock (_lines)
        {
            p = _live[name];
            _live.Remove(name);
        }

        p.Kill();
        p.WaitForExit();
    }

    public void Signal(string name, string signal)
    {
        int pid;
        lock (_lines)
        {
            pid = _live[name].Id;
        }

        using var kill = Process.Start("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    /// <summary>
    /// From every tick printed: per child, each copy's span (first to last tick); two spans of one child that overlap are
    /// a duplicate. After <paramref name="end"/>'s last second, more than one copy ticking is an orphan, none is a child
    /// not running again. Every child is checked for duplicates; only <paramref name="children"/> for running at the end
    /// (the failover child's copies ended with its run).
    /// </summary>
    public (int Duplicates, int Orphans, int Missing) Check(long end, IReadOnlyCollection<string> children)
    {
        List<string> lines;
        lock (_lines)
        {
            lines = [.. _lines];
        }

        var spans = new Dictionary<(string Child, string Copy), (long First, long Last)>();
        foreach (var line in lines)
        {
            var f = line.Split(' ');
            if (f is not ["tick", var child, var node, var copy, var t])
            {
                continue;
            }

            var at = long.Parse(t, CultureInfo.InvariantCulture);
            var key = (child, node + "/" + copy);
            spans[key] = spans.TryGetValue(key, out var s) ? (Math.Min(s.First, at), Math.Max(s.Last, at)) : (at, at);
        }

        int duplicates = 0, orphans = 0, missing = 0;
        var second = Stopwatch.Frequency;
        foreach (var child in spans.Keys.Select(k => k.Child).Distinct())
        {
            var ordered = spans.Where(kv => kv.Key.Child == child).Select(kv => kv.Value).OrderBy(s => s.First).ToList();
            for (var i = 1; i < ordered.Count; i++)
            {
                if (ordered[i].First <= ordered.Take(i).Max(s => s.Last))
                {
                    duplicates++;
                }
            }

            if (!children.Contains(child))
            {
                continue;
            }

            var ticking = ordered.Count(s => s.Last >= end - second);
            orphans += Math.Max(0, ticking - 1);
            missing += ticking == 0 ? 1 : 0;
        }

        return (duplicates, orphans, missing);
    }

    /// <summary>The last lines the members printed other than ticks, for a run that did not recover.</summary>
    public string Tail(int count)
    {
        lock (_lines)
        {
            return string.Join('\n', _lines.Where(l => !l.StartsWith("tick ", StringComparison.Ordinal)).TakeLast(count));
        }
    }

    /// <summary>Every line, and the time of the dump, for a look at a run that did not recover.</summary>
    public void Dump(string path, long now)
    {
        lock (_lines)
        {
            File.WriteAllLines(path, [$"now {now}", .. _lines]);
        }
    }

    public void Dispose()
    {
        foreach (var p in _all)
        {
            try
            {
                if (!p.HasExited)
                {
                    using var cont = Process.Start("kill", ["-CONT", p.Id.ToString(CultureInfo.InvariantCulture)]);
                    cont?.WaitForExit();
                }
                if (!p.HasExited)
                {
                    p.Kill();
                    p.WaitForExit();
                }
            }
            catch (InvalidOperationException)
            {
            }

            p.Dispose();
        }
    }
}
