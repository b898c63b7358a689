using System.Globalization;

namespace Trellis.Daemon.Config;

/// <summary>Durations (<c>500ms</c>, <c>5s</c>, <c>2m</c>, <c>1h</c>; a bare number is seconds) and sizes (<c>512KB</c>, <c>10MB</c>, <c>1GB</c>; binary multiples).</summary>
internal static class Units
{
    public static bool TryDuration(string text, out TimeSpan value)
    {
        value = default;
        var (number, unit) = Split(text);
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) || n < 0)
        {
            return false;
        }

        double? ms = unit switch
        {
            "ms" => n,
            "" or "s" => n * 1000,
            "m" or "min" => n * 60_000,
            "h" => n * 3_600_000,
            _ => null,
        };
        if (ms is null || ms > TimeSpan.MaxValue.TotalMilliseconds / 2)
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds(ms.Value);
        return true;
    }

    public static bool TrySize(string text, out long value)
    {
        value = 0;
        var (number, unit) = Split(text);
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) || n < 0)
        {
            return false;
        }

        long? multiple = unit.ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "K" or "KB" or "KIB" => 1L << 10,
            "M" or "MB" or "MIB" => 1L << 20,
            "G" or "GB" or "GIB" => 1L << 30,
            _ => null,
        };
        if (multiple is null || n * multiple > long.MaxValue / 2)
        {
            return false;
        }

        value = (long)(n * multiple.Value);
        return true;
    }

    /// <summary>A size as people read it: <c>512B</c>, <c>12.3KB</c>, <c>45.6MB</c>, <c>1.2GB</c> (binary multiples).</summary>
    public static string Size(long bytes) => bytes switch
    {
        < 1L << 10 => $"{bytes}B",
        < 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#}KB"),
        < 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.#}MB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1073741824.0:0.##}GB"),
    };

    public static string Duration(TimeSpan t) =>
        t.TotalMilliseconds < 1000 ? $"{t.TotalMilliseconds:0}ms" : t.TotalSeconds < 120 ? $"{t.TotalSeconds:0.#}s" : $"{t.TotalMinutes:0.#}m";

    private static (string Number, string Unit) Split(string text)
    {
        var t = text.Trim();
        var i = 0;
        while (i < t.Length && (char.IsAsciiDigit(t[i]) || t[i] == '.'))
        {
            i++;
        }

        return (t[..i], t[i..].Trim());
    }
}
