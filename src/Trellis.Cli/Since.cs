using System.Globalization;
using Trellis.Daemon.Config;

namespace Trellis.Daemon.Cli;

/// <summary><c>--since</c>: a duration back from now (<c>10m</c>, <c>2h</c>, <c>30s</c>) or a time (ISO 8601, UTC unless it says).</summary>
internal static class Since
{
    public static DateTimeOffset? Parse(string text, DateTimeOffset now)
    {
        if (Units.TryDuration(text, out var ago))
        {
            return now - ago;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;
    }
}
