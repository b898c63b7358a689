namespace Trellis.Hosting.AspNetCore.Observer;

/// <summary>One process as the Observer shows it (snake_case on the wire): in a supervision tree, or beside them.</summary>
internal sealed record ObservedProcess
{
    /// <summary>The pid as <c>&lt;0.42.0&gt;</c>; null for a child that has no process now.</summary>
    public string? Pid { get; init; }

    /// <summary>The process number (the 42 of <c>&lt;0.42.0&gt;</c>), which the kill request names.</summary>
    public long Number { get; init; }

    /// <summary>Its child id under its supervisor.</summary>
    public string? Id { get; init; }

    /// <summary>Its registered name on the node.</summary>
    public string? Name { get; init; }

    /// <summary>Its keys in the node's registries, as <c>REGISTRY: KEY</c>.</summary>
    public IReadOnlyList<string> Via { get; init; } = [];

    /// <summary>supervisor, dynamic_supervisor, agent, a GenServer's type, or null for a plain process.</summary>
    public string? Behaviour { get; init; }

    /// <summary>running, or for a child without a process, undefined or restarting.</summary>
    public string Status { get; init; } = "running";

    public int Mailbox { get; init; }

    public long Handled { get; init; }

    public bool TrapExit { get; init; }

    public IReadOnlyList<string> Links { get; init; } = [];

    public int MonitoredBy { get; init; }

    /// <summary>How often its supervisor has restarted it.</summary>
    public int? Restarts { get; init; }

    /// <summary>Why it last exited, under its supervisor.</summary>
    public string? LastExit { get; init; }

    /// <summary>A supervisor that did not answer which_children in time.</summary>
    public bool Busy { get; init; }

    /// <summary>A supervisor's children, in start order.</summary>
    public IReadOnlyList<ObservedProcess>? Children { get; init; }
}
