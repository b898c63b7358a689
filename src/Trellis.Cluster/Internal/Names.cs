namespace Trellis.Cluster.Internal;

/// <summary>What a cluster, supervisor, child or name may be called: it becomes part of an etcd key.</summary>
internal static class Names
{
    public const int MaxLength = 200;

    public static bool IsValid(string? name, out string error)
    {
        if (string.IsNullOrEmpty(name))
        {
            error = "it is empty";
            return false;
        }

        if (name.Length > MaxLength)
        {
            error = $"it is {name.Length} characters long; at most {MaxLength}";
            return false;
        }

        foreach (var c in name)
        {
            if (c is '/' || char.IsControl(c) || char.IsWhiteSpace(c))
            {
                error = $"it holds '{(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString())}'; names use no '/', space or control character";
                return false;
            }
        }

        error = "";
        return true;
    }

    public static void Check(string? name, string what)
    {
        if (!IsValid(name, out var error))
        {
            throw new ArgumentException($"{what} '{name}': {error}", what);
        }
    }
}
