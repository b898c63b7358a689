using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using Trellis.OsProcess.Native;

namespace Trellis.Supervise.Tests;

/// <summary>A scratch status directory and the means to run supervise on it, as a user would from a shell.</summary>
internal sealed class SupervisedDir : IAsyncDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private readonly List<Process> _foreground = [];

    public SupervisedDir(string module = "app")
    {
        Root = Path.Combine(Path.GetTempPath(), "trellis-sv-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Root);
        StatusPath = Path.Combine(Root, "status", module);
    }

    public string Root { get; }

    /// <summary>The status directory (not created until supervise runs).</summary>
    public string StatusPath { get; }

    public string File(string name) => Path.Combine(StatusPath, name);

    /// <summary>
    /// supervise as it ships: the NativeAOT binary test.sh publishes to artifacts/supervise (or the one
    /// <c>TRELLIS_SUPERVISE</c> names). The black-box tests never run the JIT build.
    /// </summary>
    public static string SupervisePath { get; } = FindNative();

    public static ProcessStartInfo StartInfo(IEnumerable<string> args, string? cwd = null)
    {
        var psi = new ProcessStartInfo(SupervisePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = cwd ?? Environment.CurrentDirectory,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return psi;
    }

    private static string FindNative()
    {
        if (Environment.GetEnvironmentVariable("TRELLIS_SUPERVISE") is { Length: > 0 } named)
        {
            return named;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "Trellis.slnx")))
            {
                var native = Path.Combine(dir.FullName, "artifacts", "supervise", "supervise");
                return System.IO.File.Exists(native)
                    ? native
                    : throw new InvalidOperationException($"no native supervise at {native}: run `dotnet publish src/Trellis.Supervise -c Release -r linux-x64 -p:PublishAot=true -o artifacts/supervise` (test.sh does)");
            }
        }

        throw new InvalidOperationException("the repository root (Trellis.slnx) is not above " + AppContext.BaseDirectory);
    }

    /// <summary>Runs supervise to completion (the background start, or a command that fails).</summary>
    public static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        using var p = Process.Start(StartInfo(args))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(Deadline);
        return (p.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts supervise in the foreground as a child of the test.</summary>
    public Process StartForeground(params string[] args)
    {
        var p = Process.Start(StartInfo(["-p", StatusPath, .. args, "--foreground"]))!;
        _foreground.Add(p);
        p.StandardOutput.ReadToEndAsync();
        p.StandardError.ReadToEndAsync();
        return p;
    }

    /// <summary>The pid in the status file, in the seed's layout (bytes 16-19) or runit's (12-15).</summary>
    public int StatusPid(bool runit = false)
    {
        try
        {
            var b = System.IO.File.ReadAllBytes(File("status"));
            return b.Length == 20 ? BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(runit ? 12 : 16)) : -1;
        }
        catch (IOException)
        {
            return -1;
        }
    }

    public string Log => System.IO.File.Exists(File("supervise.log")) ? System.IO.File.ReadAllText(File("supervise.log")) : string.Empty;

    public string WarningLog => System.IO.File.Exists(File("supervise.log.wf")) ? System.IO.File.ReadAllText(File("supervise.log.wf")) : string.Empty;

    /// <summary>Writes control bytes in one write, as <c>svc</c> does: a non-blocking open, ENXIO when nobody reads.</summary>
    public unsafe void Control(string bytes)
    {
        var fd = Libc.open(File("control"), Constants.OWrOnly | Constants.ONonBlock, 0);
        Assert.True(fd >= 0, $"cannot open control: errno {Libc.LastError}");
        try
        {
            var data = System.Text.Encoding.ASCII.GetBytes(bytes);
            fixed (byte* p = data)
            {
                Assert.Equal(data.Length, (int)Libc.write(fd, p, (nuint)data.Length));
            }
        }
        finally
        {
            _ = Libc.close(fd);
        }
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> holds, re-checking whenever something in the status directory or the
    /// root changes (inotify, through FileSystemWatcher), never by sleeping.
    /// </summary>
    public async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? deadline = null)
    {
        if (condition())
        {
            return;
        }

        var changed = new SemaphoreSlim(0);
        Directory.CreateDirectory(StatusPath);
        using var watcher = new FileSystemWatcher(Root) { IncludeSubdirectories = true, NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size };
        void Poke(object? s, EventArgs e) => changed.Release();
        watcher.Changed += Poke;
        watcher.Created += Poke;
        watcher.Renamed += Poke;
        watcher.Deleted += Poke;
        watcher.EnableRaisingEvents = true;
        using var cts = new CancellationTokenSource(deadline ?? Deadline);
        while (!condition())
        {
            try
            {
                await changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"timed out waiting for {what}; supervise.log:\n{Log}");
            }
        }
    }

    public Task<int> WaitForNewPidAsync(int old) => WaitForPidAsync(p => p > 0 && p != old);

    public async Task<int> WaitForPidAsync(Func<int, bool> match, bool runit = false)
    {
        await WaitUntilAsync(() => match(StatusPid(runit)), "a pid in status");
        return StatusPid(runit);
    }

    public static bool Exists(int pid) => Libc.kill(pid, 0) == 0 && !IsZombie(pid);

    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = System.IO.File.ReadAllText("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/stat");
            return stat[(stat.LastIndexOf(')') + 2)] == 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Waits for any process (not only a child) to exit, through a pidfd.</summary>
    public static async Task WaitForExitAsync(int pid)
    {
        var fd = Libc.pidfd_open(pid, 0);
        if (fd < 0)
        {
            return;
        }

        try
        {
            await Task.Run(() => PollExit(fd)).WaitAsync(Deadline);
        }
        finally
        {
            Libc.close(fd);
        }
    }

    private static unsafe void PollExit(int fd)
    {
        var p = new PollFd { Fd = fd, Events = Constants.PollIn };
        _ = Libc.poll(&p, 1, (int)Deadline.TotalMilliseconds);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _foreground)
        {
            if (!p.HasExited)
            {
                // SIGTERM, as an operator would: supervise stops its program before it exits.
                _ = Libc.kill(p.Id, 15);
                try
                {
                    await p.WaitForExitAsync().WaitAsync(Deadline);
                }
                catch (TimeoutException)
                {
                    p.Kill();
                }
            }

            p.Dispose();
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
