using System.Buffers.Binary;

namespace Trellis.OsProcess.StatusFiles;

/// <summary>TAI64N labels as daemontools writes them: 2^62 + 10 + Unix seconds, then nanoseconds, big-endian.</summary>
internal static class Tai64N
{
    private const ulong Base = (1UL << 62) + 10;

    public static void Write(Span<byte> destination, DateTimeOffset time)
    {
        var unixMicros = (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        var seconds = (ulong)(unixMicros / 1_000_000);
        var nanos = (uint)(unixMicros % 1_000_000 * 1000) + 500;
        BinaryPrimitives.WriteUInt64BigEndian(destination, Base + seconds);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], nanos);
    }

    public static DateTimeOffset Read(ReadOnlySpan<byte> source)
    {
        var seconds = BinaryPrimitives.ReadUInt64BigEndian(source) - Base;
        var nanos = BinaryPrimitives.ReadUInt32BigEndian(source[8..]);
        return DateTimeOffset.UnixEpoch.AddSeconds(seconds).AddTicks(nanos / 100);
    }
}
