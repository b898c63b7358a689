namespace Trellis;

/// <summary>Whether a child is a worker or a supervisor (which changes its default shutdown).</summary>
public enum ChildType
{
    /// <summary>A worker; default shutdown five seconds.</summary>
    Worker,

    /// <summary>A supervisor; default shutdown infinity.</summary>
    Supervisor,
}
