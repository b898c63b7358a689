namespace Trellis;

/// <summary>
/// An exception that ended a process on another node, as its exit reason arrived here: the type's name and the
/// message only (no type from another node is ever instantiated). Its exit reason prints as the original's did.
/// </summary>
public sealed class RemoteException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="typeName">The short name of the original exception's type.</param>
    /// <param name="message">The original message.</param>
    public RemoteException(string typeName, string message)
        : base(message)
    {
        TypeName = typeName;
    }

    /// <summary>Creates the exception with no type name.</summary>
    public RemoteException()
        : this("Exception", "an exception on another node")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public RemoteException(string message)
        : this("Exception", message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public RemoteException(string message, Exception innerException)
        : base(message, innerException)
    {
        TypeName = "Exception";
    }

    /// <summary>The short name of the original exception's type (as <c>InvalidOperationException</c>).</summary>
    public string TypeName { get; }
}
