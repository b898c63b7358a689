namespace Trellis.Internal;

/// <summary>Behaviour-specific state attached to a process (a GenServer's in-flight calls, for one).</summary>
internal interface IProcessExtension
{
    /// <summary>Runs once, when the process has exited, before its links and monitors fire.</summary>
    void OnExit(ExitReason reason);

    /// <summary>A short description for introspection, such as the callback type's name.</summary>
    string Describe();
}
