using Trellis.Daemon.Config;
using Trellis.OsProcess;

namespace Trellis.Daemon.Runtime;

/// <summary>
/// The daemon's state directory and the directories it makes in it: its owner's only (0700), or, with an
/// <c>admins:</c> group, readable by that group (2750, the group set and inherited by what is created inside), so
/// the group can read status and logs but never the token (0600).
/// </summary>
internal static class StateDirectory
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode Shared = Private | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.SetGroup;

    /// <summary>
    /// Creates <paramref name="path"/>, or takes an existing one that belongs to the daemon's user, and gives it the
    /// mode above. Another user's directory is refused: whoever owns it could read or replace what the daemon keeps.
    /// </summary>
    public static string? Prepare(string path, AdminGroup? admins)
    {
        try
        {
            if (Directory.Exists(path) && UnixFiles.OwnerOf(path) is { } owner && owner != UnixAccounts.EffectiveUserId)
            {
                return $"the state directory {path} belongs to uid {owner}, not to this daemon's user (uid {UnixAccounts.EffectiveUserId}): choose another state_dir";
            }

            CreatePrivate(path, admins);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"cannot prepare the state directory {path}: {ex.Message}";
        }
    }

    /// <summary>Creates the directory (or tightens an existing one) with the mode the admins setting calls for.</summary>
    public static void CreatePrivate(string path, AdminGroup? admins)
    {
        var mode = admins is null ? Private : Shared;
        if (!Directory.Exists(path))
        {
            Directory.CreateDirectory(path, Private);
        }

        if (admins is not null && UnixFiles.ChangeGroup(path, admins.Gid) is { } error)
        {
            throw new IOException(error);
        }

        File.SetUnixFileMode(path, mode);
    }

    /// <summary>Removes a state directory this start made and could not use; what cannot be removed stays.</summary>
    public static void TryRemove(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }
}
