namespace Trellis;

/// <summary>What an application's termination does to the node (OTP's start types).</summary>
public enum ApplicationStartType
{
    /// <summary>Its termination is reported; nothing else happens.</summary>
    Temporary,

    /// <summary>Its termination with <c>normal</c> is reported; any other reason (<c>shutdown</c> too) stops the node.</summary>
    Transient,

    /// <summary>Any termination other than <see cref="ApplicationController.StopAsync"/> stops the node.</summary>
    Permanent,
}
