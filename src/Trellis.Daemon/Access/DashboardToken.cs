using System.Security.Cryptography;
using System.Text;

namespace Trellis.Daemon.Access;

/// <summary>
/// The token every TCP request must show. The tree file may set one; otherwise the daemon makes one at its first start
/// (256 bits from the system's CSPRNG) and keeps it for later starts. Either way it is written to
/// <c>state_dir/dashboard.token</c>, readable by the daemon's owner only, and never logged.
/// </summary>
internal sealed class DashboardToken
{
    public const string FileName = "dashboard.token";

    private readonly byte[] _token;
    private readonly byte[] _session;

    private DashboardToken(string value)
    {
        Value = value;
        _token = Encoding.UTF8.GetBytes(value);

        // What the browser keeps in its cookie: derived from the token, so it ends when the token changes, but not
        // the token itself.
        _session = HMACSHA256.HashData(_token, "trellis dashboard session"u8);
        SessionValue = Base64Url(_session);
    }

    public string Value { get; }

    /// <summary>The cookie's value.</summary>
    public string SessionValue { get; }

    /// <summary>Whether <paramref name="given"/> is the token, compared in constant time.</summary>
    public bool Matches(string? given) =>
        !string.IsNullOrEmpty(given) && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), _token);

    /// <summary>Whether <paramref name="given"/> is the session cookie's value, compared in constant time.</summary>
    public bool MatchesSession(string? given) =>
        !string.IsNullOrEmpty(given) && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(SessionValue));

    /// <summary>A new random token: 32 bytes, base64url.</summary>
    public static string Generate() => Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>
    /// The configured token, or the one kept in <paramref name="stateDir"/>, or a new one; written back to the token
    /// file with mode 0600 (through a new file renamed over the old, so it is never readable by others, not even for
    /// an instant). The error says what failed.
    /// </summary>
    public static DashboardToken? LoadOrCreate(string stateDir, string? configured, out string? error)
    {
        error = null;
        var path = Path.Combine(stateDir, FileName);
        var value = configured;
        try
        {
            if (value is null && File.Exists(path))
            {
                var kept = File.ReadAllText(path).Trim();
                value = kept.Length >= 16 ? kept : null;
            }

            value ??= Generate();
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
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = $"cannot keep the dashboard token in {path}: {ex.Message}";
            return null;
        }

        return new DashboardToken(value);
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
