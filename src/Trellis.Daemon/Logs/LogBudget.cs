namespace Trellis.Daemon.Logs;

/// <summary>
/// The cap on all services' logs together. Every rotated file is registered here; when the total passes the cap,
/// the oldest rotated files, of whichever service, are deleted first. Current files are bounded by the rotation
/// size and never deleted.
/// </summary>
internal sealed class LogBudget(long maxTotal)
{
    private readonly Lock _lock = new();
    private readonly List<(string Path, long Size, long Order)> _archives = [];
    private readonly Dictionary<ServiceLog, long> _current = [];
    private long _archived;

    public long MaxTotal => maxTotal;

    /// <summary>Bytes in rotated files and current files together.</summary>
    public long Total
    {
        get
        {
            lock (_lock)
            {
                return _archived + _current.Values.Sum();
            }
        }
    }

    /// <summary>Records a current file's size.</summary>
    public void SetCurrent(ServiceLog log, long size)
    {
        lock (_lock)
        {
            _current[log] = size;
        }
    }

    /// <summary>Forgets a service's current files (the service was removed).</summary>
    public void Remove(ServiceLog log)
    {
        lock (_lock)
        {
            _current.Remove(log);
        }
    }

    /// <summary>Adds rotated files found at start or just made, then deletes the oldest while over the cap.</summary>
    public void AddArchive(string path, long size, long order)
    {
        List<string> delete = [];
        lock (_lock)
        {
            _archives.Add((path, size, order));
            _archives.Sort((a, b) => a.Order.CompareTo(b.Order));
            _archived += size;
            var total = _archived + _current.Values.Sum();
            while (total > maxTotal && _archives.Count > 0)
            {
                var oldest = _archives[0];
                _archives.RemoveAt(0);
                _archived -= oldest.Size;
                total -= oldest.Size;
                delete.Add(oldest.Path);
            }
        }

        foreach (var old in delete)
        {
            TryDelete(old);
        }
    }

    /// <summary>Forgets a rotated file deleted by its own service (beyond its file count).</summary>
    public void Forget(string path)
    {
        lock (_lock)
        {
            var i = _archives.FindIndex(a => a.Path == path);
            if (i >= 0)
            {
                _archived -= _archives[i].Size;
                _archives.RemoveAt(i);
            }
        }
    }

    internal static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
