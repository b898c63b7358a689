using MailKit.Net.Smtp;
using MimeKit;
using Microsoft.Extensions.Logging;
using Trellis.OsProcess;

namespace Trellis.Supervise;

/// <summary>
/// Delivers an alarm: mail to every alarm_mail address through the configured SMTP relay (MailKit: STARTTLS or TLS as
/// smtp_tls says, smtp_user and smtp_password when set, the relay's certificate checked against the system's roots and
/// smtp_ca_file's), the alarm_command with
/// the alarm in its environment, and a log line for alarm_gsm (kept and reported, not sent: there is no gateway).
/// </summary>
internal sealed class Alarmer
{
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(30);
    private readonly Node _node;
    private readonly ILogger _log;
    private readonly string _module;
    private readonly string _directory;

    public Alarmer(Node node, ILogger log, string module, string directory)
    {
        _node = node;
        _log = log;
        _module = module;
        _directory = directory;
    }

    /// <summary>Sends the alarm by every configured channel; failures are logged, never thrown.</summary>
    public async Task SendAsync(SuperviseConfig config, string evt, string message)
    {
        Log.Alarm(_log, message);
        var tasks = new List<Task>();
        if (config.AlarmMail.Count > 0)
        {
            tasks.Add(MailAsync(config, message));
        }

        if (config.AlarmCommand is not null)
        {
            tasks.Add(CommandAsync(config.AlarmCommand, evt, message));
        }

        if (config.AlarmGsm.Count > 0)
        {
            Log.GsmNotSent(_log, string.Join(' ', config.AlarmGsm));
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    private async Task MailAsync(SuperviseConfig config, string message)
    {
        if (config.SmtpHost is null)
        {
            Log.AlarmFailed(_log, "mail", "alarm_mail is set but smtp_server is not");
            return;
        }

        try
        {
            var mail = new MimeMessage { Subject = $"[supervise] {_module}: {message}" };
            mail.From.Add(MailboxAddress.Parse(config.MailFrom));
            foreach (var to in config.AlarmMail)
            {
                mail.To.Add(MailboxAddress.Parse(to));
            }

            mail.Body = new TextPart("plain") { Text = $"module: {_module}\nstatus directory: {_directory}\nhost: {Environment.MachineName}\n\n{message}\n" };
            using var client = new SmtpClient { Timeout = (int)DeliveryTimeout.TotalMilliseconds };
            using var trusted = config.SmtpCaFile is { } ca ? RelayTrust.Load(ca) : null;
            if (trusted is not null)
            {
                client.ServerCertificateValidationCallback = trusted.Validate;
            }

            using var cts = new CancellationTokenSource(DeliveryTimeout);
            await client.ConnectAsync(config.SmtpHost, config.SmtpPort, Secure(config), cts.Token).ConfigureAwait(false);
            if (config.SmtpUser is { } user)
            {
                await client.AuthenticateAsync(user, config.SmtpPassword ?? string.Empty, cts.Token).ConfigureAwait(false);
            }

            await client.SendAsync(mail, cts.Token).ConfigureAwait(false);
            await client.DisconnectAsync(true, cts.Token).ConfigureAwait(false);
            Log.AlarmSent(_log, "mail");
        }
        catch (Exception ex) when (ex is MailKit.ProtocolException or MailKit.CommandException or ParseException or OperationCanceledException or InvalidOperationException or IOException or System.Net.Sockets.SocketException or MailKit.Security.AuthenticationException or System.Security.Authentication.AuthenticationException)
        {
            Log.AlarmFailed(_log, "mail", ex.Message);
        }
    }

    private static MailKit.Security.SecureSocketOptions Secure(SuperviseConfig config) => config.SmtpTls switch
    {
        SmtpTls.StartTls => MailKit.Security.SecureSocketOptions.StartTls,
        SmtpTls.Tls => MailKit.Security.SecureSocketOptions.SslOnConnect,
        SmtpTls.None => MailKit.Security.SecureSocketOptions.None,
        _ => MailKit.Security.SecureSocketOptions.Auto,
    };

    private async Task CommandAsync(string command, string evt, string message)
    {
        var spec = ProgramSpec.Shell(command) with
        {
            Environment = new Dictionary<string, string?>
            {
                ["SUPERVISE_MODULE"] = _module,
                ["SUPERVISE_DIR"] = _directory,
                ["SUPERVISE_EVENT"] = evt,
                ["SUPERVISE_MESSAGE"] = message,
            },
            StandardOutput = OutputTarget.AppendTo(Path.Combine(_directory, "supervise.log")),
            StandardError = OutputTarget.AppendTo(Path.Combine(_directory, "supervise.log.wf")),
        };
        var start = await ProgramChild.StartAsync(_node, spec).ConfigureAwait(false);
        if (!start.IsOk)
        {
            Log.AlarmFailed(_log, "command", start.Error!.Detail is SpawnFailure f ? f.Message : start.ToString());
            return;
        }

        ExitReason reason;
        try
        {
            reason = await Node.WaitForExitAsync(start.Pid).WaitAsync(DeliveryTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Node.Exit(start.Pid, ExitReason.Kill);
            Log.AlarmFailed(_log, "command", $"still running after {DeliveryTimeout.TotalSeconds} s; killed");
            return;
        }

        if (reason.IsNormal)
        {
            Log.AlarmSent(_log, "command");
        }
        else
        {
            Log.AlarmFailed(_log, "command", "it ended with " + reason);
        }
    }
}
