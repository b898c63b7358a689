namespace Trellis;

/// <summary>Sent to a registry's listeners when a process registers a key (<c>{:register, reg, key, pid, value}</c>).</summary>
/// <param name="Registry">The registry's name.</param>
/// <param name="Key">The key.</param>
/// <param name="Pid">The process that registered.</param>
/// <param name="Value">Its value.</param>
public sealed record RegistryRegistered(string Registry, object Key, Pid Pid, object? Value);

/// <summary>Sent to a registry's listeners when a process unregisters a key (<c>{:unregister, reg, key, pid}</c>).</summary>
/// <param name="Registry">The registry's name.</param>
/// <param name="Key">The key.</param>
/// <param name="Pid">The process that unregistered.</param>
public sealed record RegistryUnregistered(string Registry, object Key, Pid Pid);
