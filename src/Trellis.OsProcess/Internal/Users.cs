using System.Globalization;
using System.Runtime.InteropServices;
using Trellis.OsProcess.Native;

namespace Trellis.OsProcess.Internal;

/// <summary>
/// Running a program as another user. posix_spawn cannot change credentials, so the program is started through
/// util-linux's <c>setpriv</c>, which sets the group, the supplementary groups and the user, then execs it.
/// </summary>
internal static unsafe partial class Users
{
    internal const string Setpriv = "/usr/bin/setpriv";

    internal readonly record struct UserEntry(string Name, uint Uid, uint Gid, string Home, string Shell);

    public static bool TryLookupUser(string nameOrId, out UserEntry user)
    {
        user = default;
        var entry = uint.TryParse(nameOrId, NumberStyles.None, CultureInfo.InvariantCulture, out var uid)
            ? getpwuid(uid)
            : getpwnam(nameOrId);
        if (entry is null)
        {
            return false;
        }

        user = new UserEntry(
            Str(entry->Name), entry->Uid, entry->Gid, Str(entry->Dir), Str(entry->Shell));
        return true;
    }

    public static bool TryLookupGroup(string nameOrId, out uint gid)
    {
        if (uint.TryParse(nameOrId, NumberStyles.None, CultureInfo.InvariantCulture, out gid))
        {
            return true;
        }

        var entry = getgrnam(nameOrId);
        if (entry is null)
        {
            return false;
        }

        gid = entry->Gid;
        return true;
    }

    public static bool TryBuildSetpriv(string? userName, string? groupName, List<string> argv, out SpawnFailure? failure)
    {
        failure = null;
        if (Libc.geteuid() != 0)
        {
            failure = new SpawnFailure(1, userName ?? groupName!, "running a program as another user or group needs root");
            return false;
        }

        if (!File.Exists(Setpriv))
        {
            failure = new SpawnFailure(Constants.ENOENT, Setpriv, "setpriv (util-linux) is needed to switch user or group");
            return false;
        }

        argv.Add(Setpriv);
        uint? gid = null;
        if (groupName is not null)
        {
            if (!TryLookupGroup(groupName, out var g))
            {
                failure = new SpawnFailure(Constants.ENOENT, groupName, "no such group");
                return false;
            }

            gid = g;
        }

        if (userName is not null)
        {
            if (!TryLookupUser(userName, out var user))
            {
                failure = new SpawnFailure(Constants.ENOENT, userName, "no such user");
                return false;
            }

            argv.Add("--reuid=" + user.Uid.ToString(CultureInfo.InvariantCulture));
            argv.Add("--regid=" + (gid ?? user.Gid).ToString(CultureInfo.InvariantCulture));
            argv.Add("--init-groups");
        }
        else
        {
            argv.Add("--regid=" + gid!.Value.ToString(CultureInfo.InvariantCulture));
            argv.Add("--clear-groups");
        }

        argv.Add("--");
        return true;
    }

    private static string Str(byte* p) => Marshal.PtrToStringUTF8((nint)p) ?? string.Empty;

    [StructLayout(LayoutKind.Sequential)]
    private struct Passwd
    {
        public byte* Name;
        public byte* Password;
        public uint Uid;
        public uint Gid;
        public byte* Gecos;
        public byte* Dir;
        public byte* Shell;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Group
    {
        public byte* Name;
        public byte* Password;
        public uint Gid;
        public byte** Members;
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial Passwd* getpwnam(string name);

    [LibraryImport("libc")]
    private static partial Passwd* getpwuid(uint uid);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial Group* getgrnam(string name);
}
