using Trellis.Internal;

namespace Trellis.Distribution.Internal;

/// <summary>The watcher of a monitor a process on another node holds on a process here: its DOWN crosses back.</summary>
internal sealed class RemoteWatcher : IDownWatcher
{
    private readonly Peer _peer;
    private readonly long _id;

    public RemoteWatcher(Peer peer, long id)
    {
        _peer = peer;
        _id = id;
    }

    public void OnDown(MonitorRef monitor, ExitReason reason) => _peer.OnInboundDown(_id, reason);
}
