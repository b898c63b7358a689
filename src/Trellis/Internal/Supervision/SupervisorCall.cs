namespace Trellis.Internal;

/// <summary>The requests a supervisor serves.</summary>
internal abstract record SupervisorCall
{
    public sealed record StartChild(ChildSpec Spec) : SupervisorCall;

    public sealed record StartTemplateChild(IReadOnlyList<object?> ExtraArguments) : SupervisorCall;

    public sealed record TerminateChild(object Key) : SupervisorCall;

    public sealed record RestartChild(object Id) : SupervisorCall;

    public sealed record DeleteChild(object Id) : SupervisorCall;

    public sealed record GetChildSpec(object Key) : SupervisorCall;

    public sealed record WhichChild(object Key) : SupervisorCall;

    public sealed record WhichChildren : SupervisorCall
    {
        public static WhichChildren Instance { get; } = new();
    }

    public sealed record CountChildren : SupervisorCall
    {
        public static CountChildren Instance { get; } = new();
    }
}

/// <summary>A queued retry of a failed restart (OTP's <c>try_again_restart</c>); the key is the child's id or old pid.</summary>
internal sealed record TryAgain(object Key);

/// <summary>What kind of supervisor to run, and what it starts with: flags and children, a callback module, or a DynamicSupervisor.</summary>
internal sealed record SupervisorConfig(SupervisorFlags? Flags, IReadOnlyList<ChildSpec>? Children, SupervisorModule? Module, object? Argument, DynamicStart? Dynamic)
{
    public static SupervisorConfig Static(SupervisorFlags flags, IReadOnlyList<ChildSpec> children) => new(flags, children, null, null, null);

    public static SupervisorConfig FromModule(SupervisorModule module, object? argument) => new(null, null, module, argument, null);

    public static SupervisorConfig OfDynamic(DynamicSupervisorOptions options) => new(null, null, null, null, new DynamicStart(options, null, null));

    public static SupervisorConfig OfDynamic(DynamicSupervisorModule module, object? argument) =>
        new(null, null, null, null, new DynamicStart(new DynamicSupervisorOptions(), module, argument));
}

/// <summary>A DynamicSupervisor's options, or the callback module whose init returns them.</summary>
internal sealed record DynamicStart(DynamicSupervisorOptions Options, DynamicSupervisorModule? Module, object? Argument);
