namespace Trellis.Daemon.Config;

/// <summary>One thing wrong with a tree file, where it is.</summary>
internal sealed record ConfigError(string File, int Line, int Column, string Message)
{
    public override string ToString() => Line > 0 ? $"{File}:{Line}:{Column}: {Message}" : $"{File}: {Message}";
}
