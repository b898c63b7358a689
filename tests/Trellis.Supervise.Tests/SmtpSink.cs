using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading.Channels;

namespace Trellis.Supervise.Tests;

/// <summary>A message the sink accepted: its recipients, its text, whether it came over TLS, and who had authenticated.</summary>
internal sealed record SinkMessage(List<string> To, string Data, bool Tls, string? User);

/// <summary>
/// A loopback SMTP server that accepts messages and hands them to the test. It can insist on STARTTLS (with a
/// self-signed certificate for 127.0.0.1, written as PEM for smtp_ca_file) and on AUTH PLAIN with one account, as a
/// modern relay does; it refuses mail otherwise.
/// </summary>
internal sealed class SmtpSink : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<SinkMessage> _messages = Channel.CreateUnbounded<SinkMessage>();
    private readonly Channel<string> _refusals = Channel.CreateUnbounded<string>();
    private readonly X509Certificate2? _certificate;
    private readonly (string User, string Password)? _account;
    private readonly Task _accept;

    public SmtpSink(bool requireTls = false, (string User, string Password)? requireAuth = null, string? certificatePem = null)
    {
        _account = requireAuth;
        if (requireTls)
        {
            _certificate = SelfSigned();
            if (certificatePem is not null)
            {
                File.WriteAllText(certificatePem, _certificate.ExportCertificatePem());
            }
        }

        _listener.Start();
        _accept = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public async Task<SinkMessage> NextAsync() =>
        await _messages.Reader.ReadAsync().AsTask().WaitAsync(SupervisedDir.Deadline);

    /// <summary>The next command the sink refused (as "VERB: reply").</summary>
    public async Task<string> NextRefusalAsync() =>
        await _refusals.Reader.ReadAsync().AsTask().WaitAsync(SupervisedDir.Deadline);

    private static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=trellis-test-relay", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pfx), null);
    }

    private async Task AcceptAsync()
    {
        var sessions = new List<Task>();
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                sessions.Add(SessionAsync(client));
            }
        }
        catch (OperationCanceledException)
        {
        }

        await Task.WhenAll(sessions);
    }

    private async Task SessionAsync(TcpClient client)
    {
        using (client)
        {
            Stream stream = client.GetStream();
            var reader = new StreamReader(stream, Encoding.ASCII);
            var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
            await writer.WriteLineAsync("220 sink ESMTP");
            var to = new List<string>();
            var tls = false;
            string? user = null;
            try
            {
                while (await reader.ReadLineAsync(_stop.Token) is { } line)
                {
                    var verb = line.Split(' ')[0].ToUpperInvariant();
                    var refusal = verb switch
                    {
                        "MAIL" or "RCPT" or "DATA" when _certificate is not null && !tls => "530 5.7.0 Must issue a STARTTLS command first",
                        "MAIL" or "RCPT" or "DATA" when _account is not null && user is null => "530 5.7.0 Authentication required",
                        "AUTH" when _certificate is not null && !tls => "538 5.7.11 Encryption required for requested authentication mechanism",
                        _ => null,
                    };
                    if (refusal is not null)
                    {
                        await _refusals.Writer.WriteAsync($"{verb}: {refusal}");
                        await writer.WriteLineAsync(refusal);
                        continue;
                    }

                    switch (verb)
                    {
                        case "EHLO":
                            var offers = new List<string> { "sink" };
                            if (_certificate is not null && !tls)
                            {
                                offers.Add("STARTTLS");
                            }

                            if (_account is not null && (tls || _certificate is null))
                            {
                                offers.Add("AUTH PLAIN");
                            }

                            for (var i = 0; i < offers.Count; i++)
                            {
                                await writer.WriteLineAsync((i < offers.Count - 1 ? "250-" : "250 ") + offers[i]);
                            }

                            break;
                        case "HELO":
                            await writer.WriteLineAsync("250 sink");
                            break;
                        case "STARTTLS" when _certificate is not null && !tls:
                            await writer.WriteLineAsync("220 2.0.0 Ready to start TLS");
                            var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                            await ssl.AuthenticateAsServerAsync(_certificate, clientCertificateRequired: false, checkCertificateRevocation: false);
                            stream = ssl;
                            reader = new StreamReader(stream, Encoding.ASCII);
                            writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
                            tls = true;
                            break;
                        case "AUTH" when _account is { } account:
                            var parts = line.Split(' ');
                            var response = parts.Length > 2 ? parts[2] : null;
                            if (response is null)
                            {
                                await writer.WriteLineAsync("334 ");
                                response = await reader.ReadLineAsync(_stop.Token);
                            }

                            var fields = Encoding.UTF8.GetString(Convert.FromBase64String(response ?? string.Empty)).Split('\0');
                            if (fields.Length == 3 && fields[1] == account.User && fields[2] == account.Password)
                            {
                                user = fields[1];
                                await writer.WriteLineAsync("235 2.7.0 Authentication successful");
                            }
                            else
                            {
                                await _refusals.Writer.WriteAsync("AUTH: 535 5.7.8 Authentication credentials invalid");
                                await writer.WriteLineAsync("535 5.7.8 Authentication credentials invalid");
                            }

                            break;
                        case "RCPT":
                            to.Add(line[(line.IndexOf('<', StringComparison.Ordinal) + 1)..line.IndexOf('>', StringComparison.Ordinal)]);
                            await writer.WriteLineAsync("250 ok");
                            break;
                        case "DATA":
                            await writer.WriteLineAsync("354 go ahead");
                            var data = new StringBuilder();
                            while (await reader.ReadLineAsync(_stop.Token) is { } d && d != ".")
                            {
                                data.AppendLine(d);
                            }

                            await _messages.Writer.WriteAsync(new SinkMessage(to, data.ToString(), tls, user));
                            to = [];
                            await writer.WriteLineAsync("250 queued");
                            break;
                        case "QUIT":
                            await writer.WriteLineAsync("221 bye");
                            return;
                        default:
                            await writer.WriteLineAsync("250 ok");
                            break;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException)
            {
                // The client went away, or refused the certificate: the session is over.
            }
            finally
            {
                await writer.DisposeAsync();
                reader.Dispose();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accept;
        _stop.Dispose();
        _certificate?.Dispose();
    }
}
