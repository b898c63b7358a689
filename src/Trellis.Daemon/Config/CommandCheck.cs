namespace Trellis.Daemon.Config;

/// <summary>
/// Whether each service's program (and readiness check) can be run: a path must name an executable file; a bare name
/// must be found in the PATH the program will get (its <c>env:</c> PATH, else the daemon's). Run by <c>trellis check</c>
/// and <c>trellis up</c>, apart from the parser, which only reads the file.
/// </summary>
internal static class CommandCheck
{
    private const UnixFileMode AnyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>Reads a tree file and checks its programs: what <c>check</c>, <c>up</c> and <c>reload</c> accept.</summary>
    public static (DaemonConfig? Config, IReadOnlyList<ConfigError> Errors) LoadRunnable(string file)
    {
        var (config, errors) = TreeFileParser.Load(file);
        return config is not null && Find(config) is { Count: > 0 } missing ? (null, missing) : (config, errors);
    }

    public static List<ConfigError> Find(DaemonConfig config)
    {
        var errors = new List<ConfigError>();
        foreach (var service in config.AllNodes().OfType<ServiceConfig>())
        {
            var path = service.Environment.GetValueOrDefault("PATH") ?? Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin";
            Check(service.Command[0], "command", service, path, config, errors);
            if (service.Ready?.Check is [var check, ..])
            {
                Check(check, "ready check", service, path, config, errors);
            }
        }

        return errors;
    }

    /// <summary>Null when <paramref name="program"/> can be run; otherwise why not.</summary>
    public static string? Problem(string program, string path)
    {
        if (program.Contains('/', StringComparison.Ordinal))
        {
            return Directory.Exists(program) ? $"'{program}' is a directory"
                : !File.Exists(program) ? $"'{program}' does not exist"
                : (File.GetUnixFileMode(program) & AnyExecute) == 0 ? $"'{program}' is not executable"
                : null;
        }

        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate) && (File.GetUnixFileMode(candidate) & AnyExecute) != 0)
            {
                return null;
            }
        }

        return $"'{program}' is not found in PATH ({path})";
    }

    private static void Check(string program, string what, ServiceConfig service, string path, DaemonConfig config, List<ConfigError> errors)
    {
        if (Problem(program, path) is { } problem)
        {
            errors.Add(new ConfigError(config.File, service.At.Line, service.At.Column, $"service '{service.Name}': its {what} cannot run: {problem}"));
        }
    }
}
