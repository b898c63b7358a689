using Trellis.OsProcess.Native;

namespace Trellis.OsProcess.StatusFiles;

/// <summary>
/// The status directory: <c>lock</c> (flock, exclusive), <c>control</c> (a FIFO kept open read-write, so it never
/// reads EOF), <c>ok</c> (a FIFO kept open for reading, so clients can tell supervise is alive), <c>status</c>
/// (written to status.new, then renamed), and the program's and supervise's logs.
/// </summary>
public sealed class StatusDirectory : IDisposable
{
    private FileStream? _lock;
    private int _controlFd = -1;
    private int _okFd = -1;

    private StatusDirectory(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
    }

    /// <summary>The directory's full path.</summary>
    public string Path { get; }

    /// <summary>The module: the directory's name, which selects its section of supervise.conf.</summary>
    public string Module => System.IO.Path.GetFileName(Path.TrimEnd('/'));

    /// <summary>Where the program's standard output goes: <c>__stdout</c>.</summary>
    public string Stdout => File("__stdout");

    /// <summary>Where the program's standard error goes: <c>__stderr</c>.</summary>
    public string Stderr => File("__stderr");

    /// <summary>supervise's own log: <c>supervise.log</c>.</summary>
    public string Log => File("supervise.log");

    /// <summary>supervise's warnings: <c>supervise.log.wf</c>.</summary>
    public string WarningLog => File("supervise.log.wf");

    /// <summary>The 20-byte status file: <c>status</c>.</summary>
    public string StatusFile => File("status");

    /// <summary>The control FIFO's descriptor once <see cref="OpenControl"/> succeeded; -1 before.</summary>
    public int ControlFd => _controlFd;

    /// <summary>A file of this directory.</summary>
    /// <param name="name">The file's name.</param>
    /// <returns>Its full path.</returns>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Creates the directory if needed; an error says why it cannot be.</summary>
    /// <param name="path">The directory.</param>
    /// <param name="error">Why it cannot be used, when null is returned.</param>
    /// <returns>The directory, or null.</returns>
    public static StatusDirectory? Create(string path, out string? error)
    {
        error = null;
        try
        {
            Directory.CreateDirectory(path);
            return new StatusDirectory(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            error = $"unable to create the status directory {path}: {ex.Message}";
            return null;
        }
    }

    /// <summary>Takes the lock; false when another supervise holds it.</summary>
    /// <param name="error">Why it could not, when false.</param>
    /// <returns>True when this process holds the lock.</returns>
    public bool TryLock(out string? error)
    {
        error = null;
        try
        {
            // On Linux a FileShare.None open is flock(LOCK_EX|LOCK_NB), the lock daemontools and runit take.
            _lock = new FileStream(File("lock"), FileMode.OpenOrCreate, FileAccess.Write, FileShare.None);
            return true;
        }
        catch (IOException)
        {
            error = $"unable to acquire {File("lock")}: another supervise is running on this directory";
            return false;
        }
        catch (UnauthorizedAccessException ex)
        {
            error = $"unable to open {File("lock")}: {ex.Message}";
            return false;
        }
    }

    /// <summary>Creates and opens the control FIFO.</summary>
    /// <param name="error">Why it could not, when false.</param>
    /// <returns>True when the FIFO is open.</returns>
    public bool OpenControl(out string? error)
    {
        _controlFd = OpenFifo("control", Constants.ORdWr | Constants.OCloExec, out error);
        return _controlFd >= 0;
    }

    /// <summary>Creates and opens the ok FIFO for reading, which tells clients supervise is running.</summary>
    /// <param name="error">Why it could not, when false.</param>
    /// <returns>True when the FIFO is open.</returns>
    public bool OpenOk(out string? error)
    {
        _okFd = OpenFifo("ok", Constants.ORdOnly | Constants.ONonBlock | Constants.OCloExec, out error);
        return _okFd >= 0;
    }

    private unsafe int OpenFifo(string name, int flags, out string? error)
    {
        error = null;
        var path = File(name);
        if (Libc.mkfifo(path, 0x180 /* 0600 */) != 0 && Libc.LastError != Constants.EEXIST)
        {
            error = $"unable to create the FIFO {path}: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(Libc.LastError)}";
            return -1;
        }

        Stat st;
        if (Libc.lstat(path, &st) != 0 || (st.Mode & Constants.SIfMt) != Constants.SIfIfo)
        {
            error = $"{path} exists and is not a FIFO; remove it";
            return -1;
        }

        var fd = Libc.open(path, flags, 0);
        if (fd < 0)
        {
            error = $"unable to open {path}: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(Libc.LastError)}";
        }

        return fd;
    }

    /// <summary>Reads the last status this directory recorded, in <paramref name="layout"/>.</summary>
    /// <param name="layout">The status file's layout.</param>
    /// <returns>The status, or null when there is none or it cannot be read.</returns>
    public StatusRecord? ReadStatus(StatusLayout layout)
    {
        try
        {
            var bytes = System.IO.File.ReadAllBytes(StatusFile);
            return StatusRecord.Decode(bytes, layout);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Writes the status atomically: status.new, then rename.</summary>
    /// <param name="status">The status.</param>
    /// <param name="layout">The layout to write it in.</param>
    public void WriteStatus(StatusRecord status, StatusLayout layout)
    {
        var temp = File("status.new");
        using (var handle = System.IO.File.OpenHandle(temp, FileMode.Create, FileAccess.Write, FileShare.ReadWrite))
        {
            RandomAccess.Write(handle, status.Encode(layout), 0);
        }

        System.IO.File.Move(temp, StatusFile, overwrite: true);
    }

    /// <summary>Closes the FIFOs and releases the lock.</summary>
    public void Dispose()
    {
        if (_okFd >= 0)
        {
            _ = Libc.close(_okFd);
            _okFd = -1;
        }

        if (_controlFd >= 0)
        {
            _ = Libc.close(_controlFd);
            _controlFd = -1;
        }

        _lock?.Dispose();
        _lock = null;
    }

}
