namespace Trellis.Daemon.Cli;

/// <summary>A command line error found after parsing (a bad value): the CLI prints it and exits 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
