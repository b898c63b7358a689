namespace Trellis;

/// <summary>Whether a child is running, stopped, or between restart attempts.</summary>
public enum ChildStatus
{
    /// <summary>Running: <see cref="ChildInfo.Pid"/> is its process.</summary>
    Running,

    /// <summary>Not running (<c>undefined</c>): stopped, or its start returned ignore.</summary>
    Undefined,

    /// <summary>A restart failed and another attempt is queued (<c>restarting</c>).</summary>
    Restarting,
}

/// <summary>One row of <c>which_children</c>, plus what an observer wants: restart count and last exit reason.</summary>
/// <param name="Id">The child's id; null (<c>undefined</c>) for dynamic children.</param>
/// <param name="Pid">Its process while running.</param>
/// <param name="Status">Running, undefined or restarting.</param>
/// <param name="Type">Worker or supervisor.</param>
/// <param name="Modules">The spec's modules.</param>
/// <param name="Restarts">How many times this supervisor has restarted it.</param>
/// <param name="LastExitReason">Why it last exited, if it has.</param>
public sealed record ChildInfo(object? Id, Pid Pid, ChildStatus Status, ChildType Type, IReadOnlyList<string> Modules, int Restarts, ExitReason? LastExitReason);

/// <summary>The counts of <c>count_children</c>.</summary>
/// <param name="Specs">Child specs, running or not (1 for simple_one_for_one).</param>
/// <param name="Active">Running children.</param>
/// <param name="Supervisors">Children of type supervisor, running or not.</param>
/// <param name="Workers">Children of type worker, running or not.</param>
public sealed record ChildCounts(int Specs, int Active, int Supervisors, int Workers);
