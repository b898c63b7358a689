using System.Net.Mail;
using Microsoft.Extensions.Logging;
using Trellis.OsProcess;

namespace Trellis.Supervise;

/// <summary>
/// Delivers an alarm: mail to every alarm_mail address through the configured SMTP server, the alarm_command with
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
            using var mail = new MailMessage
            {
                From = new MailAddress(config.MailFrom),
                Subject = $"[supervise] {_module}: {message}",
                Body = $"module: {_module}\nstatus directory: {_directory}\nhost: {Environment.MachineName}\n\n{message}\n",
            };
            foreach (var to in config.AlarmMail)
            {
                mail.To.Add(new MailAddress(to));
            }

            using var client = new SmtpClient(config.SmtpHost, config.SmtpPort) { DeliveryMethod = SmtpDeliveryMethod.Network };
            using var cts = new CancellationTokenSource(DeliveryTimeout);
            await client.SendMailAsync(mail, cts.Token).ConfigureAwait(false);
            Log.AlarmSent(_log, "mail");
        }
        catch (Exception ex) when (ex is SmtpException or FormatException or OperationCanceledException or InvalidOperationException or IOException)
        {
            Log.AlarmFailed(_log, "mail", ex.Message);
        }
    }

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
