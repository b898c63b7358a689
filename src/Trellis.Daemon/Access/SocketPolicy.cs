namespace Trellis.Daemon.Access;

/// <summary>
/// Who may use the control socket: root, the daemon's own user, and the members of the tree file's <c>admins:</c>
/// group. The socket's file mode keeps everyone else from connecting at all; this check stands behind it, so a
/// socket made reachable by mistake still refuses them.
/// </summary>
internal sealed record SocketPolicy(uint OwnerUid, uint? AdminGid, string? AdminGroup)
{
    /// <summary>Null when <paramref name="peer"/> may drive the daemon; otherwise the refusal, as a sentence.</summary>
    public string? Refusal(PeerCredentials? peer)
    {
        if (peer is null)
        {
            return "the control socket could not tell who is calling (no SO_PEERCRED), so it refuses";
        }

        if (peer.Uid == 0 || peer.Uid == OwnerUid)
        {
            return null;
        }

        if (AdminGid is { } gid && (peer.Gid == gid || peer.Groups.Contains(gid)))
        {
            return null;
        }

        return $"uid {peer.Uid} may not use this daemon: it answers root, its owner (uid {OwnerUid})"
            + (AdminGid is { } g
                ? AdminGroup is { } name ? $" and the group '{name}' (gid {g})" : $" and gid {g}"
                : "; no group is let in (admins: in the tree file names one)");
    }
}
