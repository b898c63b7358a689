namespace Trellis.Internal;

/// <summary>A child of a simple_one_for_one or dynamic supervisor, keyed by its pid (its old pid while restarting).</summary>
internal sealed class DynamicChild(ChildSpec spec, IReadOnlyList<object?> args, Pid pid)
{
    public ChildSpec Spec { get; } = spec;

    public IReadOnlyList<object?> Args { get; } = args;

    public Pid Pid { get; set; } = pid;

    public bool Restarting { get; set; }

    /// <summary>The child's key in the durable store, when it is recorded there.</summary>
    public long? DurableKey { get; set; }

    public int Restarts { get; set; }

    public ExitReason? LastExit { get; set; }

    public ChildInfo Info() => new(
        null,
        Restarting ? Pid.None : Pid,
        Restarting ? ChildStatus.Restarting : ChildStatus.Running,
        Spec.Type,
        Spec.EffectiveModules,
        Restarts,
        LastExit);
}
