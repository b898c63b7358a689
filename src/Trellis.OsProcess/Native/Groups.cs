using System.Globalization;
using System.Runtime.InteropServices;

namespace Trellis.OsProcess.Native;

/// <summary>Group names and ids, through the system's group database (NSS), for the daemon's <c>admins:</c> group.</summary>
internal static class Groups
{
    // struct group { char *gr_name; char *gr_passwd; gid_t gr_gid; char **gr_mem; }: gr_gid follows two pointers.
    private static readonly int GidOffset = 2 * IntPtr.Size;

    /// <summary>The id of a group given by name or as a number; false when no such group exists.</summary>
    public static bool TryResolve(string nameOrId, out uint gid)
    {
        if (uint.TryParse(nameOrId, NumberStyles.None, CultureInfo.InvariantCulture, out gid))
        {
            return true;
        }

        var entry = Libc.getgrnam(nameOrId);
        if (entry == 0)
        {
            gid = 0;
            return false;
        }

        gid = unchecked((uint)Marshal.ReadInt32(entry, GidOffset));
        return true;
    }

    /// <summary>The group's name, or null when the database has none for <paramref name="gid"/>.</summary>
    public static string? NameOf(uint gid)
    {
        var entry = Libc.getgrgid(gid);
        return entry == 0 ? null : Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(entry));
    }

    /// <summary>Gives <paramref name="path"/> to <paramref name="gid"/>, leaving its owner; an error says why not.</summary>
    public static string? ChangeGroup(string path, uint gid) =>
        Libc.chown(path, uint.MaxValue, gid) == 0 ? null : $"cannot give {path} to group {gid}: {Marshal.GetPInvokeErrorMessage(Libc.LastError)}";
}
