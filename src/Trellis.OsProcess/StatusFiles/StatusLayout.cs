using System.Buffers.Binary;

namespace Trellis.OsProcess.StatusFiles;

/// <summary>Which 20-byte layout the <c>status</c> file has.</summary>
public enum StatusLayout
{
    /// <summary>
    /// The seed tool's: TAI64N at 0-11, paused at 12, want at 13, alarms at 14 ('x' silenced, 'o' on), 0 at 15,
    /// the pid little-endian at 16-19. <c>od -An -j16 -N4 -tu4 status</c> prints the pid.
    /// </summary>
    Seed,

    /// <summary>
    /// runit's: TAI64N at 0-11, the pid little-endian at 12-15, paused at 16, want at 17, got TERM at 18, state at 19
    /// (0 down, 1 run). runit's <c>sv status</c> and daemontools' <c>svstat</c> read it.
    /// </summary>
    Runit,
}

/// <summary>What the status file says.</summary>
/// <param name="Changed">When the state last changed.</param>
/// <param name="Pid">The program's pid; 0 when it is down.</param>
/// <param name="Paused">Whether it is stopped with SIGSTOP.</param>
/// <param name="Want">'u' to be up, 'd' to be down.</param>
/// <param name="GotTerm">Whether it was sent SIGTERM (runit's layout).</param>
/// <param name="AlarmsSilenced">Whether alarms are silenced (the seed's layout).</param>
public readonly record struct StatusRecord(
    DateTimeOffset Changed, int Pid, bool Paused, char Want, bool GotTerm, bool AlarmsSilenced)
{
    /// <summary>The 20 bytes of the status file.</summary>
    /// <param name="layout">The layout.</param>
    /// <returns>The bytes.</returns>
    public byte[] Encode(StatusLayout layout)
    {
        var b = new byte[20];
        Tai64N.Write(b, Changed);
        if (layout == StatusLayout.Seed)
        {
            b[12] = Paused ? (byte)1 : (byte)0;
            b[13] = (byte)Want;
            b[14] = AlarmsSilenced ? (byte)'x' : (byte)'o';
            b[15] = 0;
            BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(16), Pid);
        }
        else
        {
            BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(12), Pid);
            b[16] = Paused ? (byte)1 : (byte)0;
            b[17] = (byte)Want;
            b[18] = GotTerm ? (byte)1 : (byte)0;
            b[19] = Pid != 0 ? (byte)1 : (byte)0;
        }

        return b;
    }

    /// <summary>Reads a status file's 20 bytes.</summary>
    /// <param name="b">The bytes.</param>
    /// <param name="layout">The layout.</param>
    /// <returns>The status, or null when it is not 20 bytes long.</returns>
    public static StatusRecord? Decode(ReadOnlySpan<byte> b, StatusLayout layout)
    {
        if (b.Length != 20)
        {
            return null;
        }

        var changed = Tai64N.Read(b);
        return layout == StatusLayout.Seed
            ? new StatusRecord(changed, BinaryPrimitives.ReadInt32LittleEndian(b[16..]), b[12] != 0, (char)b[13], false, b[14] == 'x')
            : new StatusRecord(changed, BinaryPrimitives.ReadInt32LittleEndian(b[12..]), b[16] != 0, (char)b[17], b[18] != 0, false);
    }
}
