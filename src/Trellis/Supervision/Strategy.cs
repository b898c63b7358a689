namespace Trellis;

/// <summary>Which children a supervisor restarts when one of them must be restarted.</summary>
public enum Strategy
{
    /// <summary>Only the child that exited.</summary>
    OneForOne,

    /// <summary>All children: the others are stopped in reverse start order, then all are started in order.</summary>
    OneForAll,

    /// <summary>The child that exited and those started after it.</summary>
    RestForOne,

    /// <summary>A one_for_one supervisor whose children are all made, on demand, from one template spec.</summary>
    SimpleOneForOne,
}
