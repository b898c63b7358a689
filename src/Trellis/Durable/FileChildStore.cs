using System.Buffers.Binary;
using System.Numerics;
using Trellis.Internal;

namespace Trellis;

/// <summary>
/// A durable child store on disk: an append-only log of records, each <c>length, CRC-32C, payload</c>, written and
/// fsync'd before <see cref="Add"/> or <see cref="Remove"/> returns. Reading it back stops at the first torn or corrupt
/// record and cuts it off, so a crash mid-write (even SIGKILL) never loses a child whose <see cref="Add"/> returned.
/// The log is compacted (rewritten to a temporary file, fsync'd, renamed over the old one) when it is opened and when
/// removed records outnumber live ones. It keeps ids and arguments that are strings, integers, doubles, booleans,
/// null, or lists of them; a <see cref="DurableChildren.Rebuild"/> function makes specs of them again.
/// </summary>
public sealed class FileChildStore : IDurableChildStore, IDisposable
{
    private const int HeaderSize = 8;
    private const int MaxRecord = 16 * 1024 * 1024;
    private readonly string _path;
    private readonly Lock _lock = new();
    private readonly SortedDictionary<long, StoredChild> _live = [];
    private FileStream? _file;
    private long _nextKey;
    private long _dead;

    /// <summary>Opens (or creates) the store at <paramref name="path"/>; its directory must exist.</summary>
    /// <param name="path">The log file.</param>
    public FileChildStore(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _path = System.IO.Path.GetFullPath(path);
    }

    /// <summary>The log file's path.</summary>
    public string Path => _path;

    /// <summary>The bytes cut off the log's tail when it was last read (a torn or corrupt last write), or 0.</summary>
    public long TruncatedBytes { get; private set; }

    /// <inheritdoc />
    public IReadOnlyList<StoredChild> Load()
    {
        lock (_lock)
        {
            EnsureOpen();
            return [.. _live.Values];
        }
    }

    /// <inheritdoc />
    public long Add(object id, IReadOnlyList<object?> arguments, ChildSpec? spec)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(arguments);
        lock (_lock)
        {
            EnsureOpen();
            var key = _nextKey + 1;
            var payload = DurableCodec.EncodeAdd(key, id, arguments);
            Append(payload);
            _nextKey = key;
            _live.Add(key, new StoredChild(key, id, arguments));
            return key;
        }
    }

    /// <inheritdoc />
    public void Remove(long key)
    {
        lock (_lock)
        {
            EnsureOpen();
            if (!_live.Remove(key))
            {
                return;
            }

            Append(DurableCodec.EncodeRemove(key));
            _dead += 2;
            if (_dead > 1024 && _dead > 2 * _live.Count)
            {
                Compact();
            }
        }
    }

    /// <summary>Closes the log file.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _file?.Dispose();
            _file = null;
        }
    }

    private void EnsureOpen()
    {
        if (_file is not null)
        {
            return;
        }

        var records = 0L;
        var good = 0L;
        var length = 0L;
        if (File.Exists(_path))
        {
            var bytes = File.ReadAllBytes(_path);
            length = bytes.Length;
            var offset = 0;
            while (ReadRecord(bytes, offset) is { } payload)
            {
                Apply(payload.Span);
                records++;
                offset += HeaderSize + payload.Length;
            }

            good = offset;
        }

        TruncatedBytes = length - good;
        _dead = records - _live.Count;
        if (TruncatedBytes > 0 || _dead > Math.Max(16, _live.Count) || length == 0)
        {
            Compact();
        }
        else
        {
            _file = OpenAppend(_path);
        }
    }

    private static ReadOnlyMemory<byte>? ReadRecord(byte[] bytes, int offset)
    {
        if (bytes.Length - offset < HeaderSize)
        {
            return null;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset));
        var crc = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 4));
        if (length <= 0 || length > MaxRecord || length > bytes.Length - offset - HeaderSize)
        {
            return null;
        }

        var payload = bytes.AsMemory(offset + HeaderSize, length);
        // Not a conditional expression: null would convert to an empty ReadOnlyMemory through byte[], not to "no record".
        if (Crc(payload.Span) != crc || !DurableCodec.IsWellFormed(payload.Span))
        {
            return null;
        }

        return payload;
    }

    private void Apply(ReadOnlySpan<byte> payload)
    {
        var record = DurableCodec.Decode(payload);
        _nextKey = Math.Max(_nextKey, record.Key);
        if (record.Removed)
        {
            _live.Remove(record.Key);
        }
        else
        {
            _live[record.Key] = new StoredChild(record.Key, record.Id!, record.Arguments!);
        }
    }

    private void Append(byte[] payload)
    {
        var record = Frame(payload);
        _file!.Write(record);
        _file.Flush(flushToDisk: true);
    }

    /// <summary>Writes the live records to a new file, fsyncs it, renames it over the log, and fsyncs the directory.</summary>
    private void Compact()
    {
        _file?.Dispose();
        _file = null;
        var temporary = _path + ".compact";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            foreach (var child in _live.Values)
            {
                file.Write(Frame(DurableCodec.EncodeAdd(child.Key, child.Id, child.Arguments)));
            }

            // The highest key ever given stays known, so keys are never reused after a compaction.
            if (_live.Count == 0 || _live.Keys.Max() < _nextKey)
            {
                file.Write(Frame(DurableCodec.EncodeRemove(_nextKey)));
            }

            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, _path, overwrite: true);
        SyncDirectory(System.IO.Path.GetDirectoryName(_path)!);
        _dead = _live.Count == 0 || _live.Keys.Max() < _nextKey ? 1 : 0;
        _file = OpenAppend(_path);
    }

    private static FileStream OpenAppend(string path) => new(path, FileMode.Append, FileAccess.Write, FileShare.Read, 4096, FileOptions.None);

    /// <summary>fsyncs a directory, so a rename in it is durable (POSIX; elsewhere the rename is left to the OS).</summary>
    private static void SyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var fd = DirectorySync.Open(directory, DirectorySync.ReadOnlyDirectory);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory {directory} to fsync it (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (DirectorySync.Fsync(fd) != 0)
            {
                throw new IOException($"fsync of directory {directory} failed (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = DirectorySync.Close(fd);
        }
    }

    private static byte[] Frame(byte[] payload)
    {
        var record = new byte[HeaderSize + payload.Length];
        BinaryPrimitives.WriteInt32LittleEndian(record, payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), Crc(payload));
        payload.CopyTo(record, HeaderSize);
        return record;
    }

    private static uint Crc(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }

    /// <inheritdoc />
    public override string ToString() => $"FileChildStore({_path})";
}
