using System.Security.Cryptography;
using System.Text;

namespace Trellis.Daemon.Access;

/// <summary>
/// The token every TCP request must show. The tree file may set one; otherwise the daemon makes one at its first start
/// (256 bits from the system's CSPRNG) and keeps it for later starts. Either way it is written to
/// <c>state_dir/dashboard.token</c>, readable by the daemon's owner only, and never logged. Beside it,
/// <c>dashboard.session</c> (0600) holds what signed-in browsers keep in their cookie: another random value, made anew
/// whenever the token changes, so a cookie never holds the token and ends with it. (A random value rather than a
/// keyed hash of the token: a hash would load OpenSSL, 6 MB of RSS.)
/// </summary>
internal sealed class DashboardToken
{
    public const string FileName = "dashboard.token";

    public const string SessionFileName = "dashboard.session";

    private readonly byte[] _token;
    private readonly byte[] _session;

    private DashboardToken(string value, string session)
    {
        Value = value;
        _token = Encoding.UTF8.GetBytes(value);
        SessionValue = session;
        _session = Encoding.UTF8.GetBytes(session);
    }

    public string Value { get; }

    /// <summary>The cookie's value.</summary>
    public string SessionValue { get; }

    /// <summary>Whether <paramref name="given"/> is the token, compared in constant time.</summary>
    public bool Matches(string? given) =>
        !string.IsNullOrEmpty(given) && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), _token);

    /// <summary>Whether <paramref name="given"/> is the session cookie's value, compared in constant time.</summary>
    public bool MatchesSession(string? given) =>
        !string.IsNullOrEmpty(given) && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), _session);

    /// <summary>
    /// A new random token: 32 bytes from the kernel's CSPRNG (<c>/dev/urandom</c>, which never blocks once the system
    /// has booted), base64url. Not RandomNumberGenerator: on Linux it loads OpenSSL, 6 MB of RSS for 32 bytes.
    /// </summary>
    public static string Generate()
    {
        var bytes = new byte[32];
        using (var random = new FileStream("/dev/urandom", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0))
        {
            random.ReadExactly(bytes);
        }

        return Base64Url(bytes);
    }

    /// <summary>
    /// The configured token, or the one kept in <paramref name="stateDir"/>, or a new one, and its session value (kept
    /// while the token stays the same); both written back with mode 0600. The error says what failed.
    /// </summary>
    public static DashboardToken? LoadOrCreate(string stateDir, string? configured, out string? error)
    {
        error = null;
        var path = Path.Combine(stateDir, FileName);
        var sessionPath = Path.Combine(stateDir, SessionFileName);
        try
        {
            var kept = File.Exists(path) ? File.ReadAllText(path).Trim() : null;
            var value = configured ?? (kept is { Length: >= 16 } ? kept : Generate());
            var keptSession = File.Exists(sessionPath) ? File.ReadAllText(sessionPath).Trim() : null;
            var session = value == kept && keptSession is { Length: >= 43 } ? keptSession : Generate();
            WritePrivate(path, value);
            WritePrivate(sessionPath, session);
            return new DashboardToken(value, session);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = $"cannot keep the dashboard token in {path}: {ex.Message}";
            return null;
        }
    }

    // Through a new file renamed over the old, so the secret is never readable by others, not even for an instant.
    private static void WritePrivate(string path, string value)
    {
        var temp = path + ".new";
        File.Delete(temp);
        using (var f = new FileStream(temp, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            f.Write(Encoding.UTF8.GetBytes(value + "\n"));
            f.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
