namespace Trellis;

/// <summary>A snapshot of a live process, as Erlang's <c>process_info/1</c> gives (for observers and dashboards).</summary>
/// <param name="Pid">The process.</param>
/// <param name="RegisteredName">Its registered name, if any.</param>
/// <param name="MessageQueueLength">Messages waiting in its mailbox.</param>
/// <param name="MessagesReceived">Messages it has taken from its mailbox so far.</param>
/// <param name="TrapExit">Whether it traps exits.</param>
/// <param name="Links">The processes linked to it.</param>
/// <param name="MonitoredBy">How many monitors watch it.</param>
/// <param name="Behaviour">What runs in it (a GenServer's type, a supervisor), if known.</param>
public sealed record ProcessInfo(
    Pid Pid,
    string? RegisteredName,
    int MessageQueueLength,
    long MessagesReceived,
    bool TrapExit,
    IReadOnlyList<Pid> Links,
    int MonitoredBy,
    string? Behaviour);
