using Trellis.OsProcess.StatusFiles;
using System.Globalization;
using Trellis.OsProcess;

namespace Trellis.Supervise;

/// <summary>
/// Reads supervise.conf as the seed describes it: <c>[global]</c> and per-module sections, <c>key : value</c> items
/// that start at column 0, <c>#</c> comments. A module whose section is above <c>[global]</c> does not inherit it;
/// one below it, or without a section, does. Errors name the file and the line.
/// </summary>
internal static class ConfigParser
{
    public const int MaxLineLength = 2048;
    public const int MaxGsm = 10;

    private static readonly string[] Keys =
    [
        "alarm_interval", "alarm_mail", "alarm_gsm", "max_tries", "max_tries_if_coredumped",
        "restart_delay", "shutdown_timeout", "stop_signal", "smtp_server", "mail_from", "alarm_command", "core_limit",
        "status_layout", "smtp_tls", "smtp_user", "smtp_password", "smtp_ca_file",
    ];

    public static SuperviseConfig? Load(string file, string module, SuperviseConfig defaults, List<string> warnings, out string? error)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = $"{file}: cannot read the configuration: {ex.Message}";
            return null;
        }

        var config = Parse(lines, file, module, defaults, warnings, out error);
        if (config is { SmtpPassword: not null, SmtpUser: null })
        {
            error = $"{file}: smtp_password is set but smtp_user is not";
            return null;
        }

        if (config?.SmtpPassword is not null && ReadableByOthers(file) is { } mode)
        {
            // A password in a file others can read is no longer a secret: refuse rather than use it.
            error = $"{file}: holds smtp_password but its mode is {mode}, readable by others: chmod 600 {file}";
            return null;
        }

        return config;
    }

    /// <summary>The file's mode in octal when its group or others may read it; null when only its owner may.</summary>
    private static string? ReadableByOthers(string file)
    {
        var mode = File.GetUnixFileMode(file);
        return (mode & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0
            ? "0" + Convert.ToString((int)mode & 0x1ff, 8)
            : null;
    }

    public static SuperviseConfig? Parse(
        IReadOnlyList<string> lines, string file, string module, SuperviseConfig defaults, List<string> warnings, out string? error)
    {
        error = null;
        var global = new List<(string Key, string Value, int Line)>();
        var own = new List<(string Key, string Value, int Line)>();
        string? section = null;
        var seenGlobal = false;
        var ownAboveGlobal = false;
        var ownSeen = false;
        for (var i = 0; i < lines.Count; i++)
        {
            var number = i + 1;
            var raw = lines[i];
            if (raw.Length > MaxLineLength)
            {
                warnings.Add($"{file}:{number}: the line is longer than {MaxLineLength} characters; the rest is ignored");
                raw = raw[..MaxLineLength];
            }

            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            if (char.IsWhiteSpace(line[0]))
            {
                warnings.Add($"{file}:{number}: items must start at column 0; this line is ignored");
                continue;
            }

            if (line[0] == '[')
            {
                var close = line.IndexOf(']', StringComparison.Ordinal);
                if (close < 0 || line[(close + 1)..].Trim().Length != 0)
                {
                    error = $"{file}:{number}: malformed section header '{line}'";
                    return null;
                }

                var name = line[1..close];
                if (name.Length == 0 || name.Any(char.IsWhiteSpace))
                {
                    error = $"{file}:{number}: a section name is written [name], without spaces: '{line}'";
                    return null;
                }

                section = name;
                if (name == "global")
                {
                    seenGlobal = true;
                }
                else if (name == module)
                {
                    ownSeen = true;
                    ownAboveGlobal = !seenGlobal;
                }

                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                error = $"{file}:{number}: expected 'key : value' or '[section]', found '{line}'";
                return null;
            }

            var key = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (!Keys.Contains(key))
            {
                error = $"{file}:{number}: unknown item '{key}' (known: {string.Join(", ", Keys)})";
                return null;
            }

            if (section is null)
            {
                error = $"{file}:{number}: item '{key}' is outside any section";
                return null;
            }

            if (section == "global")
            {
                global.Add((key, value, number));
            }
            else if (section == module)
            {
                own.Add((key, value, number));
            }
        }

        var items = new List<(string Key, string Value, int Line)>();
        if (!(ownSeen && ownAboveGlobal))
        {
            items.AddRange(global);
        }

        foreach (var item in own)
        {
            if (item.Key is "alarm_mail" or "alarm_gsm" && global.Any(g => g.Key == item.Key) && !ownAboveGlobal)
            {
                warnings.Add($"{file}:{item.Line}: {item.Key} is already set in [global]; the module's own list replaces it");
            }
        }

        items.AddRange(own);
        var config = defaults;
        foreach (var (key, value, number) in items)
        {
            config = Apply(config, key, value, $"{file}:{number}", warnings, out error);
            if (config is null)
            {
                return null;
            }
        }

        return config;
    }

    private static SuperviseConfig? Apply(SuperviseConfig c, string key, string value, string where, List<string> warnings, out string? error)
    {
        error = null;
        switch (key)
        {
            case "alarm_interval":
                if (!TryCount(value, out var seconds))
                {
                    break;
                }

                return c with
                {
                    AlarmInterval = seconds == 0 ? null : TimeSpan.FromSeconds(Math.Max(seconds, SuperviseConfig.MinimumAlarmInterval.TotalSeconds)),
                };
            case "alarm_mail":
                return c with { AlarmMail = Words(value) };
            case "alarm_gsm":
                var gsm = Words(value);
                if (gsm.Count > MaxGsm)
                {
                    warnings.Add($"{where}: alarm_gsm lists {gsm.Count} numbers; only the first {MaxGsm} are kept");
                    gsm = gsm.Take(MaxGsm).ToList();
                }

                return c with { AlarmGsm = gsm };
            case "max_tries":
                if (!TryCount(value, out var tries))
                {
                    break;
                }

                return c with { MaxTries = tries };
            case "max_tries_if_coredumped":
                if (!TryCount(value, out var cores))
                {
                    break;
                }

                return c with { MaxTriesIfCoreDumped = cores };
            case "restart_delay":
                if (!TrySeconds(value, out var delay))
                {
                    break;
                }

                return c with { RestartDelay = delay };
            case "shutdown_timeout":
                if (!TrySeconds(value, out var timeout))
                {
                    break;
                }

                return c with { ShutdownTimeout = timeout };
            case "stop_signal":
                if (!Signals.TryParse(value, out var signal))
                {
                    break;
                }

                return c with { StopSignal = signal };
            case "smtp_server":
                var parts = value.Split(':');
                if (parts.Length > 2 || parts[0].Length == 0)
                {
                    break;
                }

                var port = 25;
                if (parts.Length == 2 && (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is 0 or > 65535))
                {
                    break;
                }

                return c with { SmtpHost = parts[0], SmtpPort = port };
            case "smtp_tls":
                return value switch
                {
                    "auto" => c with { SmtpTls = SmtpTls.Auto },
                    "starttls" => c with { SmtpTls = SmtpTls.StartTls },
                    "tls" => c with { SmtpTls = SmtpTls.Tls },
                    "none" => c with { SmtpTls = SmtpTls.None },
                    _ => Fail(where, key, value, "auto, starttls, tls or none", out error),
                };
            case "smtp_user":
                return c with { SmtpUser = value.Length == 0 ? null : value };
            case "smtp_password":
                // The value is never repeated in an error or a log line.
                return value.Length == 0 ? Fail(where, key, "(empty)", "a password", out error) : c with { SmtpPassword = value };
            case "smtp_ca_file":
                return File.Exists(value) ? c with { SmtpCaFile = value } : Fail(where, key, value, "a readable PEM file", out error);
            case "mail_from":
                return value.Contains('@', StringComparison.Ordinal) ? c with { MailFrom = value } : Fail(where, key, value, "an address", out error);
            case "alarm_command":
                return c with { AlarmCommand = value.Length == 0 ? null : value };
            case "core_limit":
                if (value == "unlimited")
                {
                    return c with { CoreLimit = ulong.MaxValue };
                }

                if (!ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var limit))
                {
                    break;
                }

                return c with { CoreLimit = limit };
            case "status_layout":
                return value switch
                {
                    "seed" => c with { StatusLayout = StatusLayout.Seed },
                    "runit" => c with { StatusLayout = StatusLayout.Runit },
                    _ => Fail(where, key, value, "'seed' or 'runit'", out error),
                };
        }

        return Fail(where, key, value, Expected(key), out error);
    }

    private static string Expected(string key) => key switch
    {
        "restart_delay" or "shutdown_timeout" => "a number of seconds, such as 0, 1 or 2.5",
        "stop_signal" => "a signal name or number, such as TERM",
        "smtp_server" => "host or host:port",
        "core_limit" => "a size in bytes or 'unlimited'",
        _ => "a whole number, 0 or more, or nothing",
    };

    private static SuperviseConfig? Fail(string where, string key, string value, string expected, out string? error)
    {
        error = $"{where}: {key} '{value}' is not {expected}";
        return null;
    }

    private static bool TryCount(string value, out int count)
    {
        count = 0;
        return value.Length == 0 || int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out count);
    }

    private static bool TrySeconds(string value, out TimeSpan span)
    {
        span = default;
        if (!double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var s) || s > 86400 * 365)
        {
            return false;
        }

        span = TimeSpan.FromSeconds(s);
        return true;
    }

    private static List<string> Words(string value) =>
        value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).ToList();
}
