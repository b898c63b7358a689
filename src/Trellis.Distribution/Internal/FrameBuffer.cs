using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;

namespace Trellis.Distribution.Internal;

/// <summary>
/// A growable buffer of length-prefixed frames: <see cref="Begin"/> reserves the 4-byte big-endian length, the frame's
/// MessagePack body is written through <see cref="IBufferWriter{T}"/>, and <see cref="End"/> fills the length in.
/// </summary>
internal sealed class FrameBuffer : IBufferWriter<byte>
{
    private byte[] _bytes;

    public FrameBuffer(int capacity = 4096) => _bytes = new byte[capacity];

    public int Count { get; private set; }

    public ReadOnlyMemory<byte> Written => _bytes.AsMemory(0, Count);

    /// <summary>Starts a frame; returns where it starts, for <see cref="End"/> or <see cref="Rollback"/>.</summary>
    public int Begin()
    {
        var start = Count;
        Reserve(4);
        Count += 4;
        return start;
    }

    /// <summary>Ends the frame begun at <paramref name="start"/>; returns its body's length.</summary>
    public int End(int start)
    {
        var length = Count - start - 4;
        Debug.Assert(length >= 0, "a frame ends after it begins");
        BinaryPrimitives.WriteInt32BigEndian(_bytes.AsSpan(start, 4), length);
        return length;
    }

    /// <summary>Forgets the frame begun at <paramref name="start"/>.</summary>
    public void Rollback(int start) => Count = start;

    public void Clear()
    {
        Count = 0;
        // A burst may have grown the buffer a lot; do not keep more than 1 MiB around between bursts.
        if (_bytes.Length > 1024 * 1024)
        {
            _bytes = new byte[4096];
        }
    }

    public void Advance(int count) => Count += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(Math.Max(sizeHint, 256));
        return _bytes.AsMemory(Count);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(Math.Max(sizeHint, 256));
        return _bytes.AsSpan(Count);
    }

    private void Reserve(int more)
    {
        if (_bytes.Length - Count >= more)
        {
            return;
        }

        Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, Count + more));
    }
}
