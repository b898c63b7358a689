using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;

namespace Trellis.Distribution.Internal;

/// <summary>
/// One authenticated connection to a peer: a reader loop that hands each frame to the <see cref="Peer"/>, a writer loop
/// that sends what the peer's outbox gathered (many frames per write), and the tick timer. Closing it is final; the
/// peer hears of it once, through <see cref="Peer.OnClosed"/>.
/// </summary>
internal sealed class Connection : IDisposable
{
    private readonly Peer _peer;
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly TimeProvider _time;
    private readonly TimeSpan _tickTime;
    private readonly int _maxFrame;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _doorbell = new(0, 1);
    private ITimer? _ticker;
    private long _lastReceived;
    private int _sentSinceTick;

    // The timer's firings so far: a tick is due at every second one (TickPolicy).
    private int _checks;
    private int _writing;
    private bool _inline;
    private FrameBuffer _batch = new(64 * 1024);
    private int _pendingOffset;
    private long _lastInlineSend;

    /// <summary>Frames closer together than this (25 µs) are a stream: batched by the writer task, not sent one by one.</summary>
    private static readonly long StreamGap = Stopwatch.Frequency / 40_000;
    private int _closed;
    private Task _loops = Task.CompletedTask;

    public Connection(Peer peer, Socket socket, Stream stream, uint creation, TimeProvider time, TimeSpan tickTime, int maxFrame)
    {
        _peer = peer;
        _socket = socket;
        _stream = stream;
        Creation = creation;
        _time = time;
        _tickTime = tickTime;
        _maxFrame = maxFrame;
        _lastReceived = time.GetTimestamp();
    }

    /// <summary>The peer's incarnation on this connection.</summary>
    public uint Creation { get; }

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Both loops; complete once the connection is closed and they have ended.</summary>
    public Task Completion => _loops;

    public void Start()
    {
        // Plain TCP is sent from the writers' own threads, without blocking; TLS goes through the writer task.
        _inline = _stream is NetworkStream;
        if (_inline)
        {
            _socket.Blocking = false;
        }

        _loops = RunAsync();
        var interval = TickPolicy.Interval(_tickTime);
        _ticker = _time.CreateTimer(static s => ((Connection)s!).OnTick(), this, interval, interval);
    }

    public void Dispose()
    {
        _ticker?.Dispose();
        _stop.Dispose();
        _doorbell.Dispose();
        _stream.Dispose();
    }

    private async Task RunAsync()
    {
        try
        {
            await Task.WhenAll(Task.Run(ReadLoopAsync), Task.Run(WriteLoopAsync)).ConfigureAwait(false);
        }
        finally
        {
            Dispose();
        }
    }

    /// <summary>
    /// The peer's outbox has frames. Unless a writer is at work already (it takes them too), the caller becomes the
    /// writer: on plain TCP it sends at once from its own thread, without blocking (the kernel's buffer has room for a
    /// burst), and hands whatever does not fit to the writer task; with TLS the writer task sends.
    /// </summary>
    public void Ring()
    {
        Volatile.Write(ref _sentSinceTick, 1);
        if (Interlocked.Exchange(ref _writing, 1) != 0)
        {
            return;
        }

        // A frame after a quiet spell goes out at once; one that follows the last send closely is part of a stream,
        // and the writer task gathers the stream into few large writes.
        var now = Stopwatch.GetTimestamp();
        if (_inline && now - Volatile.Read(ref _lastInlineSend) > StreamGap)
        {
            Volatile.Write(ref _lastInlineSend, now);
            DrainInline();
            return;
        }

        Volatile.Write(ref _lastInlineSend, now);
        WakeWriter();
    }

    /// <summary>Sends what the outbox holds from this thread (the caller holds the writer role) until it is empty.</summary>
    private void DrainInline()
    {
        try
        {
            while (true)
            {
                _batch = _peer.TakeOutbox(this, _batch);
                if (_batch.Count == 0)
                {
                    if (!KeepWriting())
                    {
                        return;
                    }

                    continue;
                }

                var bytes = _batch.Written.Span;
                var sent = 0;
                while (sent < bytes.Length)
                {
                    var n = _socket.Send(bytes[sent..], SocketFlags.None, out var error);
                    if (error == SocketError.WouldBlock || (error == SocketError.Success && n == 0))
                    {
                        // The kernel's buffer is full: the writer task waits for room and sends the rest.
                        _pendingOffset = sent;
                        WakeWriter();
                        return;
                    }

                    if (error != SocketError.Success)
                    {
                        throw new SocketException((int)error);
                    }

                    sent += n;
                }

                _batch.Clear();
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            Close("the connection was lost: " + ex.Message);
        }
    }

    /// <summary>
    /// The outbox was empty: give up the writer role, unless a frame came in meanwhile (its Ring saw the role taken)
    /// and the role could be taken back.
    /// </summary>
    private bool KeepWriting()
    {
        Volatile.Write(ref _writing, 0);
        return _peer.HasOutbox(this) && Interlocked.Exchange(ref _writing, 1) == 0;
    }

    private void WakeWriter()
    {
        try
        {
            _doorbell.Release();
        }
        catch (ObjectDisposedException)
        {
            // Closed and done.
        }
    }

    /// <summary>Closes the connection (first call only) and tells the peer.</summary>
    public void Close(string reason)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        _ticker?.Dispose();
        _stop.Cancel();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already gone.
        }
        catch (ObjectDisposedException)
        {
            // Already gone.
        }

        _socket.Close();
        _peer.OnClosed(this, reason);
    }

    private void OnTick()
    {
        if (IsClosed)
        {
            return;
        }

        var silent = _time.GetElapsedTime(Volatile.Read(ref _lastReceived));
        var due = TickPolicy.TickDue(Interlocked.Increment(ref _checks));
        var sent = due && Interlocked.Exchange(ref _sentSinceTick, 0) != 0;
        switch (TickPolicy.Decide(silent, due, sent, _tickTime))
        {
            case TickAction.Down:
                Close($"nothing received for {silent.TotalSeconds:0.0} s (tick time {_tickTime.TotalSeconds:0.#} s)");
                break;
            case TickAction.SendTick:
                _peer.SendTick(this);
                break;
        }
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        int start = 0, end = 0;
        try
        {
            while (true)
            {
                while (end - start >= 4)
                {
                    var length = BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(start));
                    if (length < 1 || length > _maxFrame)
                    {
                        Close($"a frame of {length} bytes (the limit is {_maxFrame})");
                        return;
                    }

                    if (end - start - 4 < length)
                    {
                        if (4 + length > buffer.Length - start)
                        {
                            // Make room: move the partial frame to the front, and grow for a large one.
                            var target = buffer.Length >= 4 + length ? buffer : new byte[Math.Max(buffer.Length * 2, 4 + length)];
                            Buffer.BlockCopy(buffer, start, target, 0, end - start);
                            buffer = target;
                            end -= start;
                            start = 0;
                        }

                        break;
                    }

                    if (!_peer.Dispatch(this, buffer.AsMemory(start + 4, length)))
                    {
                        return;
                    }

                    start += 4 + length;
                }

                if (start == end)
                {
                    start = end = 0;
                    if (buffer.Length > 1024 * 1024)
                    {
                        buffer = new byte[64 * 1024];
                    }
                }
                else if (end == buffer.Length)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }

                var read = await _stream.ReadAsync(buffer.AsMemory(end), _stop.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    Close("the peer closed the connection");
                    return;
                }

                end += read;
                Volatile.Write(ref _lastReceived, _time.GetTimestamp());
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            Close("the connection was lost: " + ex.Message);
        }
        catch (Exception ex)
        {
            // Never leave a connection half dead: whatever failed here, close it, so that its links and monitors fire.
            _peer.ReportFailure(ex);
            Close("the reader failed: " + ex.Message);
        }
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            while (true)
            {
                // Woken only by whoever holds the writer role, which passes to this task until the outbox is empty.
                await _doorbell.WaitAsync(_stop.Token).ConfigureAwait(false);
                while (true)
                {
                    if (_batch.Count > _pendingOffset)
                    {
                        await _stream.WriteAsync(_batch.Written[_pendingOffset..], _stop.Token).ConfigureAwait(false);
                        await _stream.FlushAsync(_stop.Token).ConfigureAwait(false);
                    }

                    _batch.Clear();
                    _pendingOffset = 0;
                    _batch = _peer.TakeOutbox(this, _batch);
                    if (_batch.Count == 0 && !KeepWriting())
                    {
                        break;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            Close("the connection was lost: " + ex.Message);
        }
    }
}
