using System.Runtime.InteropServices;
using System.Text;
using Trellis.OsProcess.Native;

namespace Trellis.OsProcess.Internal;

/// <summary>
/// Starts a program with <c>posix_spawn</c>: a new session and process group, every signal at its default and none
/// blocked, only standard input, output and error open, an explicit environment.
/// </summary>
internal static unsafe class Spawner
{
    // Resource limits are per process: they are set on the supervisor for the instant of the spawn (the child
    // inherits them at clone) and put back, under this lock so two spawns never mix their limits.
    private static readonly Lock LimitLock = new();

    /// <summary>What a spawn produced: the pid, or the failure; and the read ends of any line pipes.</summary>
    internal readonly record struct Result(int Pid, SpawnFailure? Failure, int StdoutPipe, int StderrPipe, int NotifyPipe = -1);

    public static Result Spawn(ProgramSpec spec, Func<int, bool> register)
    {
        var env = BuildEnvironment(spec, out var userFailure);
        if (userFailure is not null)
        {
            return new(0, userFailure, -1, -1);
        }

        if (spec.Notification is { } n && (n.Kind != OutputKind.Lines || spec.NotificationFd is < 3 or > 1023))
        {
            return new(0, new SpawnFailure(Constants.EINVAL, "notification", "the notification target must be lines on a descriptor from 3 to 1023"), -1, -1);
        }

        var argv = BuildArgv(spec, env, out var failure);
        if (failure is not null)
        {
            return new(0, failure, -1, -1);
        }

        if (spec.WorkingDirectory is { } cwd && !Directory.Exists(cwd))
        {
            return new(0, new SpawnFailure(Constants.ENOENT, cwd, "the working directory does not exist"), -1, -1);
        }

        var attr = NativeMemory.AllocZeroed(Constants.SpawnAttrSize);
        var actions = NativeMemory.AllocZeroed(Constants.FileActionsSize);
        var sigset = NativeMemory.AllocZeroed(Constants.SigSetSize);
        var strings = new List<nint>();
        var outPipe = new[] { -1, -1 };
        var errPipe = new[] { -1, -1 };
        var notifyPipe = new[] { -1, -1 };
        var setup = 0;
        try
        {
            setup |= Libc.posix_spawnattr_init(attr);
            setup |= Libc.posix_spawn_file_actions_init(actions);
            setup |= Libc.posix_spawnattr_setflags(attr, Constants.PosixSpawnSetSid | Constants.PosixSpawnSetSigDef | Constants.PosixSpawnSetSigMask);
            setup |= Libc.sigfillset(sigset);
            setup |= Libc.posix_spawnattr_setsigdefault(attr, sigset);
            setup |= Libc.sigemptyset(sigset);
            setup |= Libc.posix_spawnattr_setsigmask(attr, sigset);

            if (!AddStdin(actions, spec, strings, out failure)
                || !AddOutput(actions, 1, spec.StandardOutput, strings, outPipe, out failure)
                || !AddOutput(actions, 2, spec.StandardError, strings, errPipe, out failure)
                || (spec.Notification is { } notify && !AddOutput(actions, spec.NotificationFd, notify, strings, notifyPipe, out failure)))
            {
                CloseBoth(outPipe);
                CloseBoth(errPipe);
                CloseBoth(notifyPipe);
                return new(0, failure, -1, -1);
            }

            if (spec.WorkingDirectory is not null)
            {
                setup |= Libc.posix_spawn_file_actions_addchdir_np(actions, Utf8(spec.WorkingDirectory, strings));
            }

            // Nothing else is inherited: every descriptor above the standard three is closed, but for the
            // notification descriptor (s6's notification-fd), which the dup2 above put in place.
            if (spec.Notification is not null)
            {
                for (var fd = 3; fd < spec.NotificationFd; fd++)
                {
                    setup |= Libc.posix_spawn_file_actions_addclose(actions, fd);
                }

                setup |= Libc.posix_spawn_file_actions_addclosefrom_np(actions, spec.NotificationFd + 1);
            }
            else
            {
                setup |= Libc.posix_spawn_file_actions_addclosefrom_np(actions, 3);
            }

            if (setup != 0)
            {
                CloseBoth(outPipe);
                CloseBoth(errPipe);
                CloseBoth(notifyPipe);
                return new(0, new SpawnFailure(Constants.ENOMEM, argv[0], "posix_spawn could not be set up"), -1, -1);
            }

            var argvBlock = StringArray(argv, strings);
            var pairs = new List<string>(env.Count);
            foreach (var (key, value) in env)
            {
                pairs.Add(key + "=" + value);
            }

            // Plain loops on the spawn path: supervise stays clear of System.Linq (less code mapped, a smaller RSS).
            var envBlock = StringArray(pairs, strings);
            var path = Utf8(argv[0], strings);

            int pid;
            int rc;
            lock (LimitLock)
            {
                var saved = SetLimits(spec, out failure);
                if (failure is not null)
                {
                    return new(0, failure, -1, -1);
                }

                // The program is created in this thread's cgroups: the thread joins the program's for the spawn.
                var group = spec.ControlGroup;
                if (group is not null && group.EnterForSpawn() is var joinError and not 0)
                {
                    RestoreLimits(saved);
                    CloseBoth(outPipe);
                    CloseBoth(errPipe);
                    CloseBoth(notifyPipe);
                    return new(0, new SpawnFailure(joinError, group.Path, $"could not join the program's cgroup ({Marshal.GetPInvokeErrorMessage(joinError)})"), -1, -1);
                }

                pid = 0;
                rc = -1;
                try
                {
                    rc = Libc.posix_spawn(&pid, path, actions, attr, (byte**)argvBlock, (byte**)envBlock);
                    if (rc == 0 && !register(pid))
                    {
                        rc = Constants.ESRCH;
                    }
                }
                finally
                {
                    group?.LeaveAfterSpawn(rc == 0 ? pid : 0);
                    RestoreLimits(saved);
                }
            }

            if (rc != 0)
            {
                CloseBoth(outPipe);
                CloseBoth(errPipe);
                CloseBoth(notifyPipe);
                return new(0, new SpawnFailure(rc, argv[0]), -1, -1);
            }

            // The child has its copies; the supervisor keeps only the read ends.
            CloseFd(ref outPipe[1]);
            CloseFd(ref errPipe[1]);
            CloseFd(ref notifyPipe[1]);
            return new(pid, null, outPipe[0], errPipe[0], notifyPipe[0]);
        }
        finally
        {
            _ = Libc.posix_spawn_file_actions_destroy(actions);
            _ = Libc.posix_spawnattr_destroy(attr);
            NativeMemory.Free(actions);
            NativeMemory.Free(attr);
            NativeMemory.Free(sigset);
            foreach (var p in strings)
            {
                NativeMemory.Free((void*)p);
            }
        }
    }

    private static bool AddStdin(void* actions, ProgramSpec spec, List<nint> strings, out SpawnFailure? failure)
    {
        failure = null;
        var path = spec.StandardInput ?? "/dev/null";
        if (spec.StandardInput is not null && !File.Exists(path))
        {
            failure = new SpawnFailure(Constants.ENOENT, path, "the standard input file does not exist");
            return false;
        }

        return Added(Libc.posix_spawn_file_actions_addopen(actions, 0, Utf8(path, strings), Constants.ORdOnly, 0), path, out failure);
    }

    private static bool AddOutput(void* actions, int fd, OutputTarget target, List<nint> strings, int[] pipe, out SpawnFailure? failure)
    {
        failure = null;
        switch (target.Kind)
        {
            case OutputKind.File:
                var dir = Path.GetDirectoryName(Path.GetFullPath(target.Path!));
                if (dir is not null && !Directory.Exists(dir))
                {
                    failure = new SpawnFailure(Constants.ENOENT, target.Path!, "the output file's directory does not exist");
                    return false;
                }

                return Added(
                    Libc.posix_spawn_file_actions_addopen(
                        actions, fd, Utf8(target.Path!, strings), Constants.OWrOnly | Constants.OCreat | Constants.OAppend, 0x1A0 /* 0640: output can hold secrets */),
                    target.Path!,
                    out failure);
            case OutputKind.Lines:
                fixed (int* fds = pipe)
                {
                    if (Libc.pipe2(fds, Constants.OCloExec) != 0)
                    {
                        failure = new SpawnFailure(Libc.LastError, "pipe");
                        return false;
                    }
                }

                return Added(Libc.posix_spawn_file_actions_adddup2(actions, pipe[1], fd), "pipe", out failure);
            default:
                return true;
        }
    }

    private static bool Added(int rc, string what, out SpawnFailure? failure)
    {
        failure = rc == 0 ? null : new SpawnFailure(rc, what);
        return rc == 0;
    }

    private static (RLimit Core, RLimit Files)? SetLimits(ProgramSpec spec, out SpawnFailure? failure)
    {
        failure = null;
        if (spec.CoreLimit is null && spec.OpenFilesLimit is null)
        {
            return null;
        }

        RLimit core;
        RLimit files;
        _ = Libc.getrlimit(Constants.RLimitCore, &core);
        _ = Libc.getrlimit(Constants.RLimitNoFile, &files);
        if (spec.CoreLimit is { } c && !TrySet(Constants.RLimitCore, core, c, "core size limit", out failure))
        {
            return null;
        }

        if (spec.OpenFilesLimit is { } f && !TrySet(Constants.RLimitNoFile, files, f, "open files limit", out failure))
        {
            _ = Libc.setrlimit(Constants.RLimitCore, &core);
            return null;
        }

        return (core, files);
    }

    private static bool TrySet(int resource, RLimit current, ulong value, string what, out SpawnFailure? failure)
    {
        failure = null;
        var wanted = new RLimit { Current = value, Maximum = Math.Max(value, current.Maximum) };
        if (Libc.setrlimit(resource, &wanted) != 0)
        {
            failure = new SpawnFailure(Libc.LastError, what, $"cannot set the {what} to {value} (hard limit {current.Maximum})");
            return false;
        }

        return true;
    }

    private static void RestoreLimits((RLimit Core, RLimit Files)? saved)
    {
        if (saved is { } s)
        {
            var core = s.Core;
            var files = s.Files;
            _ = Libc.setrlimit(Constants.RLimitCore, &core);
            _ = Libc.setrlimit(Constants.RLimitNoFile, &files);
        }
    }

    private static SortedDictionary<string, string> BuildEnvironment(ProgramSpec spec, out SpawnFailure? failure)
    {
        failure = null;
        var env = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (spec.InheritEnvironment)
        {
            foreach (System.Collections.DictionaryEntry e in System.Environment.GetEnvironmentVariables())
            {
                env[(string)e.Key] = (string?)e.Value ?? string.Empty;
            }
        }

        if (spec.User is not null)
        {
            if (!Users.TryLookupUser(spec.User, out var user))
            {
                failure = new SpawnFailure(Constants.ENOENT, spec.User, "no such user");
                return env;
            }

            env["HOME"] = user.Home;
            env["USER"] = user.Name;
            env["LOGNAME"] = user.Name;
            env["SHELL"] = user.Shell;
        }

        foreach (var (key, value) in spec.Environment)
        {
            if (value is null)
            {
                env.Remove(key);
            }
            else
            {
                env[key] = value;
            }
        }

        return env;
    }

    private static List<string> BuildArgv(ProgramSpec spec, SortedDictionary<string, string> env, out SpawnFailure? failure)
    {
        failure = null;
        var program = Resolve(spec, env);
        if (program is null)
        {
            failure = new SpawnFailure(Constants.ENOENT, spec.FileName, "not found in PATH");
            return [];
        }

        var argv = new List<string>();
        if (spec.User is not null || spec.Group is not null)
        {
            if (!Users.TryBuildSetpriv(spec.User, spec.Group, argv, out failure))
            {
                return [];
            }
        }

        argv.Add(program);
        argv.AddRange(spec.Arguments);
        return argv;
    }

    private static string? Resolve(ProgramSpec spec, SortedDictionary<string, string> env)
    {
        if (spec.FileName.Contains('/', StringComparison.Ordinal))
        {
            return spec.FileName;
        }

        var path = env.TryGetValue("PATH", out var p) ? p : "/usr/local/bin:/usr/bin:/bin";
        foreach (var dir in path.Split(':'))
        {
            var candidate = Path.Combine(dir.Length == 0 ? "." : dir, spec.FileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static byte* Utf8(string s, List<nint> strings)
    {
        var count = Encoding.UTF8.GetByteCount(s);
        var block = (byte*)NativeMemory.Alloc((nuint)count + 1);
        strings.Add((nint)block);
        fixed (char* chars = s)
        {
            Encoding.UTF8.GetBytes(chars, s.Length, block, count);
        }

        block[count] = 0;
        return block;
    }

    private static nint StringArray(List<string> items, List<nint> strings)
    {
        var block = (byte**)NativeMemory.Alloc((nuint)((items.Count + 1) * sizeof(nint)));
        strings.Add((nint)block);
        for (var i = 0; i < items.Count; i++)
        {
            block[i] = Utf8(items[i], strings);
        }

        block[items.Count] = null;
        return (nint)block;
    }

    private static void CloseBoth(int[] pipe)
    {
        CloseFd(ref pipe[0]);
        CloseFd(ref pipe[1]);
    }

    private static void CloseFd(ref int fd)
    {
        if (fd >= 0)
        {
            Libc.close(fd);
            fd = -1;
        }
    }
}
