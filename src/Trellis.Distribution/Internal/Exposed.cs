namespace Trellis.Distribution.Internal;

/// <summary>A function other nodes may start here by name: a process body, or a GenServer factory.</summary>
internal sealed record Exposed(Func<ProcessContext, object?, ValueTask>? Body, Func<GenServer>? Server);
