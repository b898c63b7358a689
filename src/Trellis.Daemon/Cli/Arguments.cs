namespace Trellis.Daemon.Cli;

/// <summary>A command line error: the CLI prints it with the usage and exits 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>A small parser for <c>trellis COMMAND [ARGS] [--option VALUE] [--flag]</c>.</summary>
internal sealed class Arguments
{
    private readonly List<string> _args;
    private readonly string _command;

    public Arguments(string command, IEnumerable<string> args)
    {
        _command = command;
        _args = [.. args];
    }

    public string? Option(params string[] names)
    {
        for (var i = 0; i < _args.Count; i++)
        {
            if (names.Contains(_args[i]))
            {
                if (i + 1 >= _args.Count)
                {
                    throw new UsageException($"{_command}: {_args[i]} needs a value");
                }

                var value = _args[i + 1];
                _args.RemoveRange(i, 2);
                return value;
            }
        }

        return null;
    }

    public bool Flag(params string[] names)
    {
        var i = _args.FindIndex(names.Contains);
        if (i < 0)
        {
            return false;
        }

        _args.RemoveAt(i);
        return true;
    }

    public string Positional(int index, string what) =>
        OptionalPositional(index) ?? throw new UsageException($"{_command}: missing {what}");

    public string? OptionalPositional(int index)
    {
        var words = _args.Where(a => !a.StartsWith("--", StringComparison.Ordinal) || a == "--").ToList();
        return index < words.Count ? words[index] : null;
    }

    /// <summary>Fails on anything left over after the positional arguments named so far.</summary>
    public void EnsureDone(int positional = 1)
    {
        if (_args.FirstOrDefault(a => a.StartsWith('-')) is { } unknown)
        {
            throw new UsageException($"{_command}: unknown option {unknown}");
        }

        if (_args.Count > positional)
        {
            throw new UsageException($"{_command}: unexpected argument '{_args[positional]}'");
        }
    }
}
