using System.Diagnostics;

namespace Trellis.Internal;

/// <summary>A child of a static supervisor: its spec and its pid state (a pid, <c>undefined</c>, or <c>{restarting, OldPid}</c>).</summary>
internal sealed class StaticChild(ChildSpec spec)
{
    public ChildSpec Spec { get; } = spec;

    public Pid Pid { get; set; }

    public ChildStatus Status { get; set; } = ChildStatus.Undefined;

    public int Restarts { get; set; }

    public ExitReason? LastExit { get; set; }

    public bool IsRunning => Status == ChildStatus.Running;

    public void SetRunning(Pid pid)
    {
        Debug.Assert(!IsRunning, "a child starts only when it is not running");
        Pid = pid;
        Status = pid.IsNone ? ChildStatus.Undefined : ChildStatus.Running;
    }

    /// <summary>The running child has exited or been stopped.</summary>
    public void SetStopped()
    {
        Debug.Assert(IsRunning, "only a running child stops");
        SetUndefined();
    }

    public void SetUndefined()
    {
        Pid = Pid.None;
        Status = ChildStatus.Undefined;
    }

    public void SetRestarting() => Status = ChildStatus.Restarting;

    public ChildInfo Info() =>
        new(Spec.Id, IsRunning ? Pid : Pid.None, Status, Spec.Type, Spec.EffectiveModules, Restarts, LastExit);
}
