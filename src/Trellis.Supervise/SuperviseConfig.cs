using Trellis.OsProcess.StatusFiles;
using Trellis.OsProcess;

namespace Trellis.Supervise;

/// <summary>The settings of one module, from supervise.conf and the command line.</summary>
internal sealed record SuperviseConfig
{
    public static readonly TimeSpan MinimumAlarmInterval = TimeSpan.FromSeconds(60);

    /// <summary>alarm_interval; null when unset or 0, which turns the seed's other items off.</summary>
    public TimeSpan? AlarmInterval { get; init; }

    public IReadOnlyList<string> AlarmMail { get; init; } = [];

    public IReadOnlyList<string> AlarmGsm { get; init; } = [];

    /// <summary>max_tries; 0 means no limit.</summary>
    public int MaxTries { get; init; }

    /// <summary>max_tries_if_coredumped; 0 means no limit.</summary>
    public int MaxTriesIfCoreDumped { get; init; }

    // Trellis extensions.
    public TimeSpan RestartDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public int StopSignal { get; init; } = Signals.Term;

    public string? SmtpHost { get; init; }

    public int SmtpPort { get; init; } = 25;

    public string MailFrom { get; init; } = "supervise@localhost";

    /// <summary>smtp_tls: how the connection to the relay is secured.</summary>
    public SmtpTls SmtpTls { get; init; } = SmtpTls.Auto;

    /// <summary>smtp_user: the account to authenticate as; none when null.</summary>
    public string? SmtpUser { get; init; }

    /// <summary>smtp_password: its password (only from a file others cannot read; never logged).</summary>
    public string? SmtpPassword { get; init; }

    /// <summary>smtp_ca_file: PEM certificates trusted for the relay, besides the system's.</summary>
    public string? SmtpCaFile { get; init; }

    public string? AlarmCommand { get; init; }

    public ulong? CoreLimit { get; init; }

    public StatusLayout StatusLayout { get; init; } = StatusLayout.Seed;

    /// <summary>True when alarms and the tries limits are on (alarm_interval set and not 0).</summary>
    public bool AlarmsOn => AlarmInterval is not null;

    public int EffectiveMaxTries => AlarmsOn ? MaxTries : 0;

    public int EffectiveMaxTriesIfCoreDumped => AlarmsOn ? MaxTriesIfCoreDumped : 0;
}

/// <summary>How supervise secures its connection to the SMTP relay.</summary>
internal enum SmtpTls
{
    /// <summary>STARTTLS when the relay offers it, implicit TLS on port 465, else plain.</summary>
    Auto,

    /// <summary>STARTTLS, and no mail when the relay does not offer it.</summary>
    StartTls,

    /// <summary>TLS from the first byte (SMTPS, usually port 465).</summary>
    Tls,

    /// <summary>Plain text: only for a relay on the same machine.</summary>
    None,
}
