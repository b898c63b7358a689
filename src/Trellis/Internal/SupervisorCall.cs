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

/// <summary>What kind of supervisor to run, and what it starts with.</summary>
internal sealed record SupervisorConfig(SupervisorMode Mode, SupervisorFlags? Flags, IReadOnlyList<ChildSpec>? Children, SupervisorModule? Module, object? Argument, DynamicSupervisorOptions? DynamicOptions)
{
    public static SupervisorConfig Static(SupervisorFlags flags, IReadOnlyList<ChildSpec> children) =>
        new(SupervisorMode.Static, flags, children, null, null, null);

    public static SupervisorConfig FromModule(SupervisorModule module, object? argument) =>
        new(SupervisorMode.Static, null, null, module, argument, null);

    public static SupervisorConfig Dynamic(DynamicSupervisorOptions options) =>
        new(SupervisorMode.Dynamic, null, null, null, null, options);
}

/// <summary>Static children (one_for_one, one_for_all, rest_for_one), a template (simple_one_for_one), or Elixir's DynamicSupervisor.</summary>
internal enum SupervisorMode
{
    Static,
    Simple,
    Dynamic,
}
