using System.Runtime.InteropServices;
using Trellis.OsProcess.Native;

namespace Trellis.OsProcess.Internal;

/// <summary>
/// One thread that waits on many descriptors with epoll: the read ends of programs' output pipes, control FIFOs,
/// notification pipes. A program costs no thread of its own, so one .NET process can run thousands of them.
/// Handlers run on the poller's thread and must only read what is there and hand it on.
/// </summary>
internal sealed unsafe class FdPoller
{
    private const int MaxEvents = 64;
    private static readonly Lazy<FdPoller> Instance = new(() => new FdPoller(), LazyThreadSafetyMode.ExecutionAndPublication);

    // epoll_event is packed (12 bytes) on x86_64 and naturally aligned (16 bytes) elsewhere.
    private static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int DataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    private readonly Lock _lock = new();
    private readonly Dictionary<int, WatchEntry> _watches = [];
    private readonly int _epoll;

    // The poller lives as long as the .NET process; a handler's failure is reported to that handler's owner.
    private readonly Thread _thread;

    private FdPoller()
    {
        _epoll = Libc.epoll_create1(Constants.EpollCloExec);
        if (_epoll < 0)
        {
            throw new IOException("epoll_create1 failed: " + Marshal.GetPInvokeErrorMessage(Libc.LastError));
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "trellis-fd-poller" };
        _thread.Start();
    }

    public static FdPoller Shared => Instance.Value;

    /// <summary>Descriptors being watched.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _watches.Count;
            }
        }
    }

    /// <summary>
    /// Watches <paramref name="fd"/> (made non-blocking) for input. <paramref name="onReadable"/> reads what it can
    /// and returns false when the descriptor is finished (end of file): the poller then stops watching it and closes
    /// it when <paramref name="closeWhenDone"/>. The returned task completes then, or faults with the handler's
    /// exception.
    /// </summary>
    public Task Watch(int fd, Func<int, bool> onReadable, bool closeWhenDone = true)
    {
        var flags = Libc.fcntl(fd, Constants.FGetFl, 0);
        Libc.fcntl(fd, Constants.FSetFl, flags | Constants.ONonBlock);
        var watch = new WatchEntry(fd, onReadable, closeWhenDone);
        lock (_lock)
        {
            _watches.Add(fd, watch);
        }

        var ev = stackalloc byte[16];
        *(uint*)ev = Constants.EpollIn;
        *(long*)(ev + DataOffset) = fd;
        if (Libc.epoll_ctl(_epoll, Constants.EpollCtlAdd, fd, ev) != 0)
        {
            var error = Libc.LastError;
            Finish(watch, new IOException("epoll_ctl failed: " + Marshal.GetPInvokeErrorMessage(error)));
        }

        return watch.Done.Task;
    }

    /// <summary>Stops watching <paramref name="fd"/> (closing it if the watch owns it) and completes its task.</summary>
    public void Unwatch(int fd)
    {
        WatchEntry? watch;
        lock (_lock)
        {
            _watches.TryGetValue(fd, out watch);
        }

        if (watch is not null)
        {
            Finish(watch, null);
        }
    }

    private void Finish(WatchEntry watch, Exception? error)
    {
        lock (_lock)
        {
            if (!_watches.Remove(watch.Fd, out var current) || !ReferenceEquals(current, watch))
            {
                if (current is not null)
                {
                    _watches[watch.Fd] = current;
                }

                return;
            }

            // Removing and closing under the lock keeps a reused descriptor number from meeting a stale watch.
            Libc.epoll_ctl(_epoll, Constants.EpollCtlDel, watch.Fd, null);
            if (watch.CloseWhenDone)
            {
                Libc.close(watch.Fd);
            }
        }

        if (error is null)
        {
            watch.Done.TrySetResult();
        }
        else
        {
            watch.Done.TrySetException(error);
        }
    }

    private void Run()
    {
        var events = stackalloc byte[MaxEvents * 16];
        while (true)
        {
            var n = Libc.epoll_wait(_epoll, events, MaxEvents, -1);
            if (n < 0)
            {
                var errno = Libc.LastError;
                if (errno == Constants.EINTR)
                {
                    continue;
                }

                // Never expected; every watcher hears of it rather than waiting for input that will not come.
                var failure = new IOException("epoll_wait failed: " + Marshal.GetPInvokeErrorMessage(errno));
                WatchEntry[] all;
                lock (_lock)
                {
                    all = [.. _watches.Values];
                }

                foreach (var w in all)
                {
                    Finish(w, failure);
                }

                return;
            }

            for (var i = 0; i < n; i++)
            {
                var fd = (int)*(long*)(events + (i * EventSize) + DataOffset);
                WatchEntry? watch;
                lock (_lock)
                {
                    _watches.TryGetValue(fd, out watch);
                }

                if (watch is null)
                {
                    continue;
                }

                bool more;
                try
                {
                    more = watch.OnReadable(fd);
                }
                catch (Exception ex)
                {
                    Finish(watch, ex);
                    continue;
                }

                if (!more)
                {
                    Finish(watch, null);
                }
            }
        }
    }

    private sealed class WatchEntry(int fd, Func<int, bool> onReadable, bool closeWhenDone)
    {
        public int Fd { get; } = fd;

        public Func<int, bool> OnReadable { get; } = onReadable;

        public bool CloseWhenDone { get; } = closeWhenDone;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
