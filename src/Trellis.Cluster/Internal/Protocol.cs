namespace Trellis.Cluster.Internal;

/// <summary>
/// What owners and agents say to each other across nodes, in built-in terms only (arrays led by an atom), so no type is
/// registered for the cluster and a peer can never make a node instantiate one.
/// </summary>
internal static class Protocol
{
    public const string AgentName = "trellis.cluster.agent";

    public static readonly Atom Start = new("start");
    public static readonly Atom Stop = new("stop");
    public static readonly Atom Ok = new("ok");
    public static readonly Atom Error = new("error");
    public static readonly Atom Held = new("held");
    public static readonly Atom Register = new("register");
    public static readonly Atom Unregister = new("unregister");
    public static readonly Atom Which = new("which");
    public static readonly Atom Adopt = new("adopt");

    /// <summary>The agent's own timer: the grace for adopting a supervisor's children is over.</summary>
    public static readonly Atom GraceOver = new("grace_over");

    /// <summary>A cluster supervisor's own timer: try the children that wait for a node again.</summary>
    public static readonly Atom RetryPending = new("retry_pending");

    /// <summary>Start child <paramref name="child"/> of <paramref name="sup"/> here, under the owner's <paramref name="epoch"/>.</summary>
    public static object?[] StartRequest(string sup, string child, long epoch, string kind, object? argument, long shutdownMs, string? name) =>
        [Start, sup, child, epoch, kind, argument, shutdownMs, name];

    /// <summary>Keep running child <paramref name="child"/> of <paramref name="sup"/>, now under the new owner's <paramref name="epoch"/>.</summary>
    public static object?[] AdoptRequest(string sup, string child, long epoch) => [Adopt, sup, child, epoch];

    public static object?[] StopRequest(string sup, string child, long epoch) => [Stop, sup, child, epoch];

    public static bool IsTagged(object? message, Atom tag, int count, out object?[] items)
    {
        if (message is object?[] array && array.Length == count && array[0] is Atom a && a == tag)
        {
            items = array;
            return true;
        }

        items = [];
        return false;
    }

    public static long Long(object? value) => value switch
    {
        long l => l,
        int i => i,
        _ => throw new FormatException($"expected an integer, not {value?.GetType().Name ?? "null"}"),
    };

    public static string Text(object? value) => value as string ?? throw new FormatException($"expected a string, not {value?.GetType().Name ?? "null"}");
}
