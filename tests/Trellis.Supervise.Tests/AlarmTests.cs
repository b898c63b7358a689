using System.Diagnostics;

namespace Trellis.Supervise.Tests;

/// <summary>Alarms, max_tries and max_tries_if_coredumped within alarm_interval.</summary>
public class AlarmTests
{
    [Fact]
    public async Task Restart_SendsOneMailPerInterval_ToEveryAddress()
    {
        await using var smtp = new SmtpSink();
        await using var d = new SupervisedDir("mailer");
        var conf = Path.Combine(d.Root, "supervise.conf");
        await File.WriteAllTextAsync(conf, $"[global]\nalarm_interval : 60\nalarm_mail : ops@example.org\tdev@example.org\nsmtp_server : 127.0.0.1:{smtp.Port}\nmail_from : sv@example.org\n");
        d.StartForeground("-f", "sleep 600", "-F", conf, "--restart-delay", "0");
        var first = await d.WaitForPidAsync(p => p > 0);
        Process.GetProcessById(first).Kill();
        var (to, data, _, _) = await smtp.NextAsync();
        Assert.Equal(["ops@example.org", "dev@example.org"], to);
        Assert.Contains("Subject: [supervise] mailer:", data, StringComparison.Ordinal);
        Assert.Contains("killed by SIGKILL", data, StringComparison.Ordinal);

        // supervise logs the alarm once the SMTP exchange has ended, which may be a moment after the sink has the mail.
        await d.WaitUntilAsync(() => d.Log.Contains("alarm sent by mail", StringComparison.Ordinal), "the first alarm's log line");

        // A second restart inside the interval is logged, not mailed.
        var second = await d.WaitForNewPidAsync(first);
        Process.GetProcessById(second).Kill();
        await d.WaitForNewPidAsync(second);
        await d.WaitUntilAsync(() => d.Log.Contains($"pid {second} died", StringComparison.Ordinal), "the second death");
        Assert.Equal(1, d.Log.Split('\n').Count(l => l.Contains("alarm sent by mail", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task AlarmMail_GoesThroughARelayThatInsistsOnStartTlsAndAuth_AndThePasswordIsNeverLogged()
    {
        await using var d = new SupervisedDir("mailer");
        var ca = Path.Combine(d.Root, "relay.pem");
        await using var smtp = new SmtpSink(requireTls: true, requireAuth: ("alarms", "s3cret-Pa55"), certificatePem: ca);
        await CrashUnderRelayAsync(d, $"smtp_server : 127.0.0.1:{smtp.Port}\nsmtp_tls : starttls\nsmtp_user : alarms\nsmtp_password : s3cret-Pa55\nsmtp_ca_file : {ca}\nmail_from : sv@example.org\n");
        var mail = await smtp.NextAsync();
        Assert.True(mail.Tls, "the alarm went in the clear");
        Assert.Equal("alarms", mail.User);
        Assert.Equal(["ops@example.org"], mail.To);
        await d.WaitUntilAsync(() => d.Log.Contains("alarm sent by mail", StringComparison.Ordinal), "the alarm's log line");
        Assert.DoesNotContain("s3cret-Pa55", d.Log + d.WarningLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AlarmMail_WithAWrongPassword_IsLoggedAsFailed_WithoutThePassword()
    {
        await using var d = new SupervisedDir("mailer");
        var ca = Path.Combine(d.Root, "relay.pem");
        await using var smtp = new SmtpSink(requireTls: true, requireAuth: ("alarms", "right-one"), certificatePem: ca);
        await CrashUnderRelayAsync(d, $"smtp_server : 127.0.0.1:{smtp.Port}\nsmtp_user : alarms\nsmtp_password : wrong-one-42\nsmtp_ca_file : {ca}\n");
        Assert.StartsWith("AUTH: 535", await smtp.NextRefusalAsync(), StringComparison.Ordinal);
        await d.WaitUntilAsync(() => d.Log.Contains("alarm not delivered by mail", StringComparison.Ordinal) || d.WarningLog.Contains("alarm not delivered by mail", StringComparison.Ordinal), "the failed alarm's log line");
        Assert.DoesNotContain("wrong-one-42", d.Log + d.WarningLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APasswordInAConfOthersCanRead_IsRefused_NamingTheFileNotThePassword()
    {
        await using var d = new SupervisedDir("mailer");
        var conf = Path.Combine(d.Root, "supervise.conf");
        await File.WriteAllTextAsync(conf, "[global]\nsmtp_server : 127.0.0.1:25\nsmtp_user : alarms\nsmtp_password : hunter2-xyz\n");
        File.SetUnixFileMode(conf, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var (code, _, err) = await SupervisedDir.RunAsync("-p", d.StatusPath, "-f", "sleep 600", "-F", conf);
        Assert.Equal(100, code);
        Assert.Contains($"{conf}: holds smtp_password but its mode is 0644, readable by others: chmod 600", err, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2-xyz", err, StringComparison.Ordinal);
        Assert.False(File.Exists(d.File("status")), "nothing was started");
    }

    [Fact]
    public async Task MaxTries_AlarmsAndExits_LeavingNothingRunning()
    {
        await using var d = new SupervisedDir();
        var conf = Path.Combine(d.Root, "supervise.conf");
        var alarms = Path.Combine(d.Root, "alarms");
        var runs = Path.Combine(d.Root, "runs");
        await File.WriteAllTextAsync(conf, $"[global]\nalarm_interval : 60\nmax_tries : 3\nalarm_command : echo \"$SUPERVISE_EVENT $SUPERVISE_MODULE\" >> {alarms}\n");
        var sv = d.StartForeground("--shell", "-f", $"sleep 600 & echo $! >> {runs}; exit 1", "-F", conf, "--restart-delay", "0");
        await sv.WaitForExitAsync().WaitAsync(SupervisedDir.Deadline);
        Assert.Equal(2, sv.ExitCode);
        var started = File.ReadAllLines(runs);
        Assert.Equal(4, started.Length); // the first start and three restarts
        Assert.All(started, pid => Assert.False(SupervisedDir.Exists(int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture))));
        Assert.Equal(["restart app", "gave_up app"], File.ReadAllLines(alarms));
        Assert.Contains("giving up: 3 restarts within 60 s (max_tries 3)", d.WarningLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MaxTriesIfCoreDumped_CountsCoreDumps()
    {
        if (File.ReadAllText("/proc/sys/kernel/core_pattern").Trim() != "core")
        {
            return; // Where cores go to a handler, whether one is written is not up to supervise.
        }

        await using var d = new SupervisedDir();
        var conf = Path.Combine(d.Root, "supervise.conf");
        await File.WriteAllTextAsync(conf, "[global]\nalarm_interval : 60\nmax_tries_if_coredumped : 2\ncore_limit : unlimited\n");
        var sv = d.StartForeground("--shell", "-f", $"cd {d.Root}; kill -SEGV $$", "-F", conf, "--restart-delay", "0");
        await sv.WaitForExitAsync().WaitAsync(SupervisedDir.Deadline);
        Assert.Equal(2, sv.ExitCode);
        Assert.Contains("giving up: 2 core dumps within 60 s (max_tries_if_coredumped 2)", d.WarningLog, StringComparison.Ordinal);
        Assert.Equal(2, d.Log.Split('\n').Count(l => l.Contains("died: was killed by SIGSEGV (core dumped)", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task SilencedAlarms_AreNotSent()
    {
        await using var d = new SupervisedDir();
        var conf = Path.Combine(d.Root, "supervise.conf");
        var alarms = Path.Combine(d.Root, "alarms");
        await File.WriteAllTextAsync(conf, $"[global]\nalarm_interval : 60\nalarm_command : echo \"$SUPERVISE_EVENT\" >> {alarms}\n");
        d.StartForeground("-f", "sleep 600", "-F", conf, "--restart-delay", "0");
        var first = await d.WaitForPidAsync(p => p > 0);
        d.Control("s");
        await d.WaitUntilAsync(() => File.ReadAllBytes(d.File("status"))[14] == (byte)'x', "alarms silenced in status");
        Process.GetProcessById(first).Kill();
        await d.WaitForNewPidAsync(first);
        Assert.False(File.Exists(alarms));
    }

    [Fact]
    public async Task Reload_ReadsTheNewConfiguration()
    {
        await using var d = new SupervisedDir();
        var conf = Path.Combine(d.Root, "supervise.conf");
        await File.WriteAllTextAsync(conf, "[global]\n");
        d.StartForeground("-f", "sleep 600", "-F", conf);
        await d.WaitForPidAsync(p => p > 0);
        await File.WriteAllTextAsync(conf, "[global]\nmax_tries : lots\n");
        d.Control("r");
        await d.WaitUntilAsync(() => d.WarningLog.Contains("not re-read", StringComparison.Ordinal), "the refusal");
        Assert.Contains("supervise.conf:2: max_tries 'lots'", d.WarningLog, StringComparison.Ordinal);
        await File.WriteAllTextAsync(conf, "[global]\nmax_tries : 2\n");
        d.Control("r");
        await d.WaitUntilAsync(() => d.Log.Contains("re-read", StringComparison.Ordinal) && d.Log.Contains($"configuration {conf} re-read", StringComparison.Ordinal), "the reload");
    }

    /// <summary>Runs supervise with alarms by mail through the relay <paramref name="smtp"/> (a conf only its owner reads), and kills its program once.</summary>
    private static async Task CrashUnderRelayAsync(SupervisedDir d, string smtp)
    {
        var conf = Path.Combine(d.Root, "supervise.conf");
        await File.WriteAllTextAsync(conf, "[global]\nalarm_interval : 60\nalarm_mail : ops@example.org\n" + smtp);
        File.SetUnixFileMode(conf, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        d.StartForeground("-f", "sleep 600", "-F", conf, "--restart-delay", "0");
        Process.GetProcessById(await d.WaitForPidAsync(p => p > 0)).Kill();
    }
}
