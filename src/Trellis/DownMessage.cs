namespace Trellis;

/// <summary>A monitored process has exited, or never existed (Erlang's <c>{'DOWN', Ref, process, Pid, Reason}</c>).</summary>
/// <param name="Ref">The monitor.</param>
/// <param name="Pid">The monitored process.</param>
/// <param name="Reason">Its exit reason; <c>noproc</c> when it was already dead.</param>
public sealed record DownMessage(MonitorRef Ref, Pid Pid, ExitReason Reason);
