using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Trellis.Cluster.Internal;

/// <summary>
/// How a node proves itself to etcd and checks etcd: TLS with the cluster's CA (and a client certificate when etcd
/// asks for one), and etcd's user and password for role-based access. Read and checked once, at join.
/// </summary>
internal sealed class EtcdSecurity : IDisposable
{
    private EtcdSecurity(X509Certificate2Collection? ca, X509Certificate2? client, string? user, string? password)
    {
        Ca = ca;
        ClientCertificate = client;
        User = user;
        Password = password;
    }

    public static EtcdSecurity None { get; } = new(null, null, null, null);

    public X509Certificate2Collection? Ca { get; }

    public X509Certificate2? ClientCertificate { get; }

    public string? User { get; }

    public string? Password { get; }

    public bool Authenticates => User is not null;

    /// <summary>Reads the files <paramref name="options"/> names; an <see cref="ArgumentException"/> naming the option for anything wrong.</summary>
    public static EtcdSecurity From(ClusterOptions options)
    {
        var https = options.Endpoints.Split(',', StringSplitOptions.TrimEntries).All(e => e.StartsWith("https://", StringComparison.OrdinalIgnoreCase));
        if ((options.EtcdCaFile ?? options.EtcdCertificateFile) is not null && !https)
        {
            throw new ArgumentException("ClusterOptions.EtcdCaFile and EtcdCertificateFile are for https:// endpoints; every endpoint must then be https://", nameof(options));
        }

        if ((options.EtcdCertificateFile is null) != (options.EtcdKeyFile is null))
        {
            throw new ArgumentException("ClusterOptions.EtcdCertificateFile and EtcdKeyFile go together (the client certificate and its key, PEM)", nameof(options));
        }

        if ((options.EtcdUser is null) != (options.EtcdPasswordFile is null))
        {
            throw new ArgumentException("ClusterOptions.EtcdUser and EtcdPasswordFile go together (etcd's user, and a file holding its password)", nameof(options));
        }

        X509Certificate2Collection? ca = null;
        if (options.EtcdCaFile is { } caFile)
        {
            Exists(caFile, "EtcdCaFile");
            ca = [];
            ca.ImportFromPemFile(caFile);
            if (ca.Count == 0)
            {
                throw new ArgumentException($"ClusterOptions.EtcdCaFile '{caFile}' holds no PEM certificate", nameof(options));
            }
        }

        X509Certificate2? client = null;
        if (options.EtcdCertificateFile is { } certFile)
        {
            Exists(certFile, "EtcdCertificateFile");
            Private(options.EtcdKeyFile!, "EtcdKeyFile");
            try
            {
                using var pem = X509Certificate2.CreateFromPemFile(certFile, options.EtcdKeyFile);

                // SslStream wants the key in a store-backed certificate on some platforms: a PKCS#12 round trip gives one.
                client = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            }
            catch (System.Security.Cryptography.CryptographicException e)
            {
                throw new ArgumentException($"ClusterOptions.EtcdCertificateFile '{certFile}' with EtcdKeyFile '{options.EtcdKeyFile}': {e.Message}", nameof(options), e);
            }
        }

        string? password = null;
        if (options.EtcdPasswordFile is { } passwordFile)
        {
            Private(passwordFile, "EtcdPasswordFile");
            password = File.ReadLines(passwordFile).FirstOrDefault()?.TrimEnd('\r', '\n');
            if (string.IsNullOrEmpty(password))
            {
                throw new ArgumentException($"ClusterOptions.EtcdPasswordFile '{passwordFile}' is empty (its first line is the password)", nameof(options));
            }
        }

        return new EtcdSecurity(ca, client, options.EtcdUser, password);
    }

    /// <summary>The TLS options of the connections to etcd: the CA checked (when one is named), the client certificate offered.</summary>
    public SslClientAuthenticationOptions? Tls()
    {
        if (Ca is null && ClientCertificate is null)
        {
            return null;
        }

        var tls = new SslClientAuthenticationOptions();
        if (ClientCertificate is { } cert)
        {
            tls.ClientCertificates = [cert];
        }

        if (Ca is { } ca)
        {
            tls.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
                {
                    return false; // No certificate, or its name is not the endpoint's.
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                using var leaf = new X509Certificate2(certificate);
                return chain.Build(leaf);
            };
        }

        return tls;
    }

    public void Dispose()
    {
        ClientCertificate?.Dispose();
        if (Ca is { } ca)
        {
            foreach (var c in ca)
            {
                c.Dispose();
            }
        }
    }

    private static void Exists(string path, string option)
    {
        if (!File.Exists(path))
        {
            throw new ArgumentException($"ClusterOptions.{option} '{path}' does not exist", nameof(path));
        }
    }

    /// <summary>A secret's file: it exists, and neither group nor others may read or write it.</summary>
    private static void Private(string path, string option)
    {
        Exists(path, option);
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
        {
            throw new ArgumentException($"ClusterOptions.{option} '{path}' is readable or writable by group or others; make it 0600", nameof(path));
        }
    }
}
