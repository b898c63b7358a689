using Trellis.OsProcess.Native;

namespace Trellis.OsProcess;

/// <summary>Who this process runs as, and the groups of the system's group database.</summary>
public static class UnixAccounts
{
    /// <summary>The real user id.</summary>
    public static uint RealUserId => Libc.getuid();

    /// <summary>The effective user id: whose rights this process has.</summary>
    public static uint EffectiveUserId => Libc.geteuid();

    /// <summary>Resolves a group name or a numeric gid.</summary>
    /// <param name="nameOrId">The group's name, or its gid.</param>
    /// <param name="gid">The gid, when true.</param>
    /// <returns>True when the group exists.</returns>
    public static bool TryResolveGroup(string nameOrId, out uint gid) => Groups.TryResolve(nameOrId, out gid);

    /// <summary>The name of a group.</summary>
    /// <param name="gid">The gid.</param>
    /// <returns>Its name, or null when the database has none.</returns>
    public static string? GroupName(uint gid) => Groups.NameOf(gid);
}
