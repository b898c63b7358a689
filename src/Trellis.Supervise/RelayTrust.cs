using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Trellis.Supervise;

/// <summary>
/// The certificates of smtp_ca_file, trusted for the SMTP relay besides the system's roots: a relay with a private CA
/// (or a self-signed certificate) is accepted when its chain ends in one of them and its name matches.
/// </summary>
internal sealed class RelayTrust : IDisposable
{
    private readonly X509Certificate2Collection _roots;

    private RelayTrust(X509Certificate2Collection roots) => _roots = roots;

    public static RelayTrust Load(string pemFile)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(pemFile);
        return new RelayTrust(roots);
    }

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        // A wrong name or no certificate is never forgiven; only the chain may end in smtp_ca_file's roots instead.
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_roots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return custom.Build(leaf);
    }

    public void Dispose()
    {
        foreach (var root in _roots)
        {
            root.Dispose();
        }
    }
}
