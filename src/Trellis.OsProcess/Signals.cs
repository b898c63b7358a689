using System.Globalization;

namespace Trellis.OsProcess;

/// <summary>Linux signal numbers (x86_64 and arm64), for stop signals and <see cref="ProgramChild.SignalAsync"/>.</summary>
public static class Signals
{
    /// <summary>SIGHUP.</summary>
    public const int Hup = 1;

    /// <summary>SIGINT.</summary>
    public const int Interrupt = 2;

    /// <summary>SIGQUIT.</summary>
    public const int Quit = 3;

    /// <summary>SIGABRT.</summary>
    public const int Abrt = 6;

    /// <summary>SIGKILL.</summary>
    public const int Kill = 9;

    /// <summary>SIGUSR1.</summary>
    public const int Usr1 = 10;

    /// <summary>SIGSEGV.</summary>
    public const int Segv = 11;

    /// <summary>SIGUSR2.</summary>
    public const int Usr2 = 12;

    /// <summary>SIGALRM.</summary>
    public const int Alrm = 14;

    /// <summary>SIGTERM.</summary>
    public const int Term = 15;

    /// <summary>SIGCONT.</summary>
    public const int Cont = 18;

    /// <summary>SIGSTOP.</summary>
    public const int Stop = 19;

    private static readonly string[] Names =
    [
        "0", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM",
        "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF",
        "WINCH", "IO", "PWR", "SYS",
    ];

    /// <summary>The signal's name without the SIG prefix (<c>TERM</c>), or its number when it has none.</summary>
    /// <param name="signal">The signal number.</param>
    /// <returns>The name.</returns>
    public static string Name(int signal) =>
        signal > 0 && signal < Names.Length ? Names[signal] : signal.ToString(CultureInfo.InvariantCulture);

    /// <summary>Parses <c>TERM</c>, <c>SIGTERM</c> or <c>15</c>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="signal">The signal number.</param>
    /// <returns>True if <paramref name="text"/> names a signal.</returns>
    public static bool TryParse(string? text, out int signal)
    {
        signal = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var t = text.Trim();
        if (int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out signal))
        {
            return signal is > 0 and < 65;
        }

        if (t.StartsWith("SIG", StringComparison.OrdinalIgnoreCase))
        {
            t = t[3..];
        }

        var index = Array.FindIndex(Names, n => string.Equals(n, t, StringComparison.OrdinalIgnoreCase));
        signal = index;
        return index > 0;
    }
}
