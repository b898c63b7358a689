using System.Runtime.InteropServices;

namespace Trellis.OsProcess.Native;

/// <summary>glibc's 64-bit <c>siginfo_t</c>, the fields <c>waitid</c> fills.</summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct SigInfo
{
    [FieldOffset(0)]
    public int Signo;

    [FieldOffset(8)]
    public int Code;

    [FieldOffset(16)]
    public int Pid;

    [FieldOffset(24)]
    public int Status;
}

/// <summary><c>struct rlimit</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct RLimit
{
    public ulong Current;
    public ulong Maximum;
}

/// <summary><c>struct pollfd</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PollFd
{
    public int Fd;
    public short Events;
    public short Revents;
}

/// <summary>glibc x86_64 and arm64 <c>struct stat</c>: only the mode (at 24 on x86_64, 16 on arm64) and the owner (28, 24) are read.</summary>
[StructLayout(LayoutKind.Explicit, Size = 256)]
internal struct Stat
{
    [FieldOffset(16)]
    public uint ModeArm64;

    [FieldOffset(24)]
    public uint ModeX64;

    [FieldOffset(24)]
    public uint UidArm64;

    [FieldOffset(28)]
    public uint UidX64;

    public readonly uint Mode => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? ModeArm64 : ModeX64;

    public readonly uint Uid => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? UidArm64 : UidX64;
}

/// <summary>The numbers libc uses (Linux, x86_64 and arm64 agree on all of these).</summary>
internal static class Constants
{
    public const int PPidFd = 3;
    public const int WNoHang = 1;
    public const int WExited = 4;
    public const int WNoWait = 0x01000000;
    public const int PAll = 0;
    public const int CldExited = 1;
    public const int CldKilled = 2;
    public const int CldDumped = 3;

    public const int ECHILD = 10;
    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int ENXIO = 6;
    public const int ESRCH = 3;
    public const int ENOENT = 2;
    public const int EEXIST = 17;
    public const int EINVAL = 22;
    public const int ENOMEM = 12;
    public const int EWOULDBLOCK = 11;

    public const int PrSetChildSubreaper = 36;

    public const short PosixSpawnSetSigDef = 0x04;
    public const short PosixSpawnSetSigMask = 0x08;
    public const short PosixSpawnSetSid = 0x80;

    public const int ORdOnly = 0;
    public const int OWrOnly = 1;
    public const int ORdWr = 2;
    public const int OCreat = 0x40;
    public const int OTrunc = 0x200;
    public const int OAppend = 0x400;
    public const int ONonBlock = 0x800;
    public const int OCloExec = 0x80000;

    public const int LockEx = 2;
    public const int LockNb = 4;

    public const int RLimitCore = 4;
    public const int RLimitNoFile = 7;
    public const ulong RLimInfinity = ulong.MaxValue;

    public const short PollIn = 1;

    public const int EpollCtlAdd = 1;
    public const int EpollCtlDel = 2;
    public const uint EpollIn = 1;
    public const uint EpollErr = 8;
    public const uint EpollHup = 0x10;
    public const int EpollCloExec = 0x80000;
    public const int EfdCloExec = 0x80000;
    public const int EfdNonBlock = 0x800;
    public const int FGetFl = 3;
    public const int FSetFl = 4;

    public const uint SIfMt = 0xF000;
    public const uint SIfIfo = 0x1000;

    public const int SpawnAttrSize = 336;
    public const int FileActionsSize = 80;
    public const int SigSetSize = 128;
}
