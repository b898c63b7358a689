namespace Trellis.Internal;

/// <summary>Who receives the DOWN of a monitor: a process, or code outside any process awaiting an exit.</summary>
internal interface IDownWatcher
{
    void OnDown(MonitorRef monitor, ExitReason reason);
}
