using Trellis.OsProcess.StatusFiles;
using System.Globalization;
using Trellis.OsProcess;

namespace Trellis.Supervise;

/// <summary>The command line: <c>supervise -p DIR -f "COMMAND" [-F supervise.conf] [options]</c>.</summary>
internal sealed record SuperviseOptions
{
    public const string Usage = """
        usage: supervise -p <status dir> -f "<command>" [-F supervise.conf] [options]
          -p DIR                 the status directory (created if missing); its name is the module
          -f COMMAND             the program and its arguments, split like a shell does, never run by one
          -F FILE                supervise.conf ([global] and per-module sections)
          --shell                run COMMAND with /bin/sh -c
          --foreground           stay attached to the terminal (for containers and service managers)
          --restart-delay S      seconds between a start and the next restart (default 1; 0 restarts at once)
          --shutdown-timeout S   seconds from the stop signal to SIGKILL (default 10)
          --stop-signal SIG      the signal d sends (default TERM, always followed by CONT)
          --status-layout L      seed (pid at bytes 16-19, the default) or runit (pid at 12-15, for svstat and sv)
          --help                 this text
          --version              the version
        exit codes: 0 stopped by x or a signal; 2 gave up (max_tries); 100 bad usage or configuration; 111 lock held or system error
        """;

    public string? StatusDir { get; init; }

    public string? Command { get; init; }

    public string? ConfigFile { get; init; }

    public bool Shell { get; init; }

    public bool Foreground { get; init; }

    public bool Help { get; init; }

    public bool Version { get; init; }

    /// <summary>Set by the background start: report "ready" or "CODE message" on standard output, then detach.</summary>
    public bool ReportReady { get; init; }

    public TimeSpan? RestartDelay { get; init; }

    public TimeSpan? ShutdownTimeout { get; init; }

    public int? StopSignal { get; init; }

    public StatusLayout? Layout { get; init; }

    public static SuperviseOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        error = null;
        var o = new SuperviseOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            string? Next()
            {
                if (i + 1 < args.Count)
                {
                    return args[++i];
                }

                return null;
            }

            switch (a)
            {
                case "-p":
                    o = o with { StatusDir = Next() ?? Missing(a, out error) };
                    break;
                case "-f":
                    o = o with { Command = Next() ?? Missing(a, out error) };
                    break;
                case "-F":
                    o = o with { ConfigFile = Next() ?? Missing(a, out error) };
                    break;
                case "--shell":
                    o = o with { Shell = true };
                    break;
                case "--foreground":
                    o = o with { Foreground = true };
                    break;
                case "--report-ready":
                    o = o with { ReportReady = true, Foreground = true };
                    break;
                case "-h" or "--help":
                    return o with { Help = true };
                case "--version":
                    return o with { Version = true };
                case "--restart-delay" or "--shutdown-timeout":
                    var v = Next();
                    if (v is null || !double.TryParse(v, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var s))
                    {
                        error = $"{a} needs a number of seconds, such as 0 or 2.5, not '{v}'";
                        return null;
                    }

                    o = a == "--restart-delay" ? o with { RestartDelay = TimeSpan.FromSeconds(s) } : o with { ShutdownTimeout = TimeSpan.FromSeconds(s) };
                    break;
                case "--stop-signal":
                    var sig = Next();
                    if (!Signals.TryParse(sig, out var n))
                    {
                        error = $"--stop-signal needs a signal name or number, such as TERM, not '{sig}'";
                        return null;
                    }

                    o = o with { StopSignal = n };
                    break;
                case "--status-layout":
                    var layout = Next();
                    StatusLayout? parsed = layout switch { "seed" => StatusLayout.Seed, "runit" => StatusLayout.Runit, _ => null };
                    if (parsed is null)
                    {
                        error = $"--status-layout is 'seed' or 'runit', not '{layout}'";
                        return null;
                    }

                    o = o with { Layout = parsed };
                    break;
                default:
                    error = $"unknown argument '{a}'";
                    return null;
            }

            if (error is not null)
            {
                return null;
            }
        }

        if (o.StatusDir is null)
        {
            error = "missing -p <status dir>";
            return null;
        }

        if (o.Command is null)
        {
            error = "missing -f \"<command>\"";
            return null;
        }

        return o;
    }

    private static string? Missing(string flag, out string? error)
    {
        error = $"{flag} needs a value";
        return null;
    }

    /// <summary>The program spec for the command.</summary>
    public ProgramSpec? Program(out string? error)
    {
        error = null;
        if (Shell)
        {
            return ProgramSpec.Shell(Command!);
        }

        return ProgramSpec.TryParse(Command, out var spec, out error) ? spec : null;
    }
}
