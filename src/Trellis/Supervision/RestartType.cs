namespace Trellis;

/// <summary>When a child is restarted after it exits (supervisor.erl's restart types).</summary>
public enum RestartType
{
    /// <summary>Always restarted.</summary>
    Permanent,

    /// <summary>Restarted only after an abnormal exit (not <c>normal</c>, <c>shutdown</c> or <c>{shutdown, _}</c>).</summary>
    Transient,

    /// <summary>Never restarted; its spec is removed when it exits.</summary>
    Temporary,
}
