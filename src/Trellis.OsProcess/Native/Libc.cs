using System.Runtime.InteropServices;

namespace Trellis.OsProcess.Native;

/// <summary>The libc calls Trellis needs to spawn, signal and reap programs, and to serve a status directory.</summary>
internal static unsafe partial class Libc
{
    private const string Lib = "libc";

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int kill(int pid, int sig);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int waitid(int idtype, int id, SigInfo* info, int options);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int waitpid(int pid, int* status, int options);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int pidfd_open(int pid, uint flags);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int pidfd_send_signal(int pidfd, int sig, nint info, uint flags);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int close(int fd);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int dup2(int oldFd, int newFd);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int getpgid(int pid);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int getsid(int pid);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int madvise(nint address, nuint length, int advice);

    [LibraryImport(Lib)]
    internal static partial uint geteuid();

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int pipe2(int* fds, int flags);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int mkfifo(string path, uint mode);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int open(string path, int flags, uint mode);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial nint read(int fd, byte* buffer, nuint count);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial nint write(int fd, byte* buffer, nuint count);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int flock(int fd, int operation);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int getrlimit(int resource, RLimit* limit);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int setrlimit(int resource, RLimit* limit);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int poll(PollFd* fds, nuint count, int timeout);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int lstat(string path, Stat* buf);

    // posix_spawn: the attribute and file-action objects are opaque blocks only libc touches.
    [LibraryImport(Lib)]
    internal static partial int posix_spawn(int* pid, byte* path, void* fileActions, void* attr, byte** argv, byte** envp);

    [LibraryImport(Lib)]
    internal static partial int posix_spawnattr_init(void* attr);

    [LibraryImport(Lib)]
    internal static partial int posix_spawnattr_destroy(void* attr);

    [LibraryImport(Lib)]
    internal static partial int posix_spawnattr_setflags(void* attr, short flags);

    [LibraryImport(Lib)]
    internal static partial int posix_spawnattr_setsigdefault(void* attr, void* sigset);

    [LibraryImport(Lib)]
    internal static partial int posix_spawnattr_setsigmask(void* attr, void* sigset);

    [LibraryImport(Lib)]
    internal static partial int posix_spawn_file_actions_init(void* actions);

    [LibraryImport(Lib)]
    internal static partial int posix_spawn_file_actions_destroy(void* actions);

    [LibraryImport(Lib)]
    internal static partial int posix_spawn_file_actions_adddup2(void* actions, int fd, int newFd);

    [LibraryImport(Lib)]
    internal static partial int posix_spawn_file_actions_addopen(void* actions, int fd, byte* path, int flags, uint mode);

    [LibraryImport(Lib)]
    internal static partial int posix_spawn_file_actions_addchdir_np(void* actions, byte* path);

    [LibraryImport(Lib)]
    internal static partial int posix_spawn_file_actions_addclose(void* actions, int fd);

    [LibraryImport(Lib)]
    internal static partial int posix_spawn_file_actions_addclosefrom_np(void* actions, int from);

    [LibraryImport(Lib)]
    internal static partial int sigfillset(void* set);

    [LibraryImport(Lib)]
    internal static partial int sigemptyset(void* set);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int epoll_create1(int flags);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int epoll_ctl(int epfd, int op, int fd, byte* ev);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int epoll_wait(int epfd, byte* events, int maxEvents, int timeout);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int eventfd(uint initval, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int fcntl(int fd, int cmd, int arg);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int chmod(string path, uint mode);

    [LibraryImport(Lib)]
    internal static partial uint umask(uint mask);

    [LibraryImport(Lib)]
    internal static partial uint getuid();

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int chown(string path, uint owner, uint group);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint getgrnam(string name);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial nint getgrgid(uint gid);

    [LibraryImport(Lib)]
    internal static partial int gettid();

    internal static int LastError => Marshal.GetLastPInvokeError();
}
