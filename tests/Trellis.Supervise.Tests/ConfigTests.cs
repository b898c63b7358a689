using Trellis.OsProcess.StatusFiles;
namespace Trellis.Supervise.Tests;

/// <summary>supervise.conf exactly as the seed describes it.</summary>
public class ConfigTests
{
    private static SuperviseConfig? Parse(string text, string module, out string? error, List<string>? warnings = null) =>
        ConfigParser.Parse(text.Split('\n'), "supervise.conf", module, new SuperviseConfig(), warnings ?? [], out error);

    private const string SeedExample = """
        [transmit]
        [global]
        alarm_interval : 60
        alarm_mail :
        alarm_gsm :
        max_tries : 10
        max_tries_if_coredumped : 10
        [redis]
        max_tries : 3
        """;

    [Fact]
    public void SeedExample_GlobalAppliesBelowIt_NotAbove()
    {
        var transmit = Parse(SeedExample, "transmit", out _)!;
        Assert.Null(transmit.AlarmInterval);
        Assert.Equal(0, transmit.EffectiveMaxTries);

        var redis = Parse(SeedExample, "redis", out _)!;
        Assert.Equal(TimeSpan.FromSeconds(60), redis.AlarmInterval);
        Assert.Equal(3, redis.MaxTries);
        Assert.Equal(10, redis.MaxTriesIfCoreDumped);

        var unlisted = Parse(SeedExample, "other", out _)!;
        Assert.Equal(10, unlisted.MaxTries);
    }

    [Fact]
    public void AlarmInterval_ZeroTurnsTheOtherItemsOff_UnderSixtyCountsAsSixty()
    {
        var off = Parse("[global]\nalarm_interval : 0\nmax_tries : 5\nalarm_mail : a@b", "m", out _)!;
        Assert.False(off.AlarmsOn);
        Assert.Equal(0, off.EffectiveMaxTries);
        var low = Parse("[global]\nalarm_interval : 5", "m", out _)!;
        Assert.Equal(TimeSpan.FromSeconds(60), low.AlarmInterval);
    }

    [Fact]
    public void AlarmMail_SplitsOnSpacesAndTabs_LongLinesAreCut()
    {
        var c = Parse("[global]\nalarm_interval : 60\nalarm_mail : a@x.org\tb@x.org  c@x.org", "m", out _)!;
        Assert.Equal(["a@x.org", "b@x.org", "c@x.org"], c.AlarmMail);

        var warnings = new List<string>();
        var line = "alarm_mail : " + string.Join(' ', Enumerable.Range(0, 300).Select(i => $"user{i}@x.org"));
        var cut = Parse("[global]\nalarm_interval : 60\n" + line, "m", out _, warnings)!;
        Assert.True(string.Join(' ', cut.AlarmMail).Length <= ConfigParser.MaxLineLength);
        Assert.Contains(warnings, w => w.Contains("supervise.conf:3", StringComparison.Ordinal) && w.Contains("2048", StringComparison.Ordinal));
    }

    [Fact]
    public void AlarmGsm_KeepsAtMostTen()
    {
        var warnings = new List<string>();
        var c = Parse("[global]\nalarm_gsm : " + string.Join(' ', Enumerable.Range(0, 12).Select(i => "1380000000" + i)), "m", out _, warnings)!;
        Assert.Equal(10, c.AlarmGsm.Count);
        Assert.Single(warnings);
    }

    [Fact]
    public void EmptyTries_MeanNoLimit()
    {
        var c = Parse("[global]\nalarm_interval : 60\nmax_tries :\nmax_tries_if_coredumped :", "m", out _)!;
        Assert.Equal(0, c.EffectiveMaxTries);
        Assert.Equal(0, c.EffectiveMaxTriesIfCoreDumped);
    }

    [Fact]
    public void IndentedItems_AreNotItems()
    {
        var warnings = new List<string>();
        var c = Parse("[global]\n  max_tries : 4\nalarm_interval : 60", "m", out _, warnings)!;
        Assert.Equal(0, c.MaxTries);
        Assert.Contains(warnings, w => w.StartsWith("supervise.conf:2:", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("[global]\nmax_tries : many", "supervise.conf:2: max_tries 'many' is not a whole number")]
    [InlineData("[ global]\n", "supervise.conf:1: a section name is written [name]")]
    [InlineData("[global\n", "supervise.conf:1: malformed section header")]
    [InlineData("[global]\nmax_retries : 3", "supervise.conf:2: unknown item 'max_retries'")]
    [InlineData("max_tries : 3", "supervise.conf:1: item 'max_tries' is outside any section")]
    [InlineData("[global]\njust words", "supervise.conf:2: expected 'key : value'")]
    [InlineData("[global]\nrestart_delay : soon", "supervise.conf:2: restart_delay 'soon' is not a number of seconds")]
    [InlineData("[global]\nstop_signal : NOPE", "supervise.conf:2: stop_signal 'NOPE' is not a signal")]
    public void Malformed_NamesFileAndLine(string text, string expected)
    {
        Assert.Null(Parse(text, "m", out var error));
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Extensions_AreRead()
    {
        var c = Parse("[global]\nrestart_delay : 0\nshutdown_timeout : 2.5\nstop_signal : INT\nsmtp_server : 127.0.0.1:2525\nmail_from : sv@host\nalarm_command : /bin/true\nstatus_layout : runit\ncore_limit : unlimited", "m", out var error);
        Assert.True(c is not null, error);
        Assert.Equal(TimeSpan.Zero, c.RestartDelay);
        Assert.Equal(TimeSpan.FromSeconds(2.5), c.ShutdownTimeout);
        Assert.Equal(2, c.StopSignal);
        Assert.Equal(("127.0.0.1", 2525), (c.SmtpHost, c.SmtpPort));
        Assert.Equal(StatusLayout.Runit, c.StatusLayout);
        Assert.Equal(ulong.MaxValue, c.CoreLimit);
    }

    [Fact]
    public void StatusLayouts_PutThePidWhereTheirReadersLook()
    {
        var time = DateTimeOffset.FromUnixTimeSeconds(1795273445).AddTicks(1234560);
        var seed = new StatusRecord(time, 0x30b9, true, 'u', false, true).Encode(StatusLayout.Seed);
        Assert.Equal([0x40, 0, 0, 0, 0x6b, 0x01, 0xb2, 0xef], seed[..8]);
        Assert.Equal([1, (byte)'u', (byte)'x', 0, 0xb9, 0x30, 0, 0], seed[12..]);
        var runit = new StatusRecord(time, 0x30b9, false, 'd', true, false).Encode(StatusLayout.Runit);
        Assert.Equal([0xb9, 0x30, 0, 0, 0, (byte)'d', 1, 1], runit[12..]);
        Assert.Equal(time.ToUnixTimeMilliseconds(), StatusRecord.Decode(seed, StatusLayout.Seed)!.Value.Changed.ToUnixTimeMilliseconds());
    }

    [Fact]
    public void SmtpRelaySettings_AreReadAndCheckedWithoutEchoingThePassword()
    {
        var ok = Parse("[global]\nsmtp_server : mail.example.org:587\nsmtp_tls : starttls\nsmtp_user : alarms\nsmtp_password : pw-1", "m", out var error)!;
        Assert.Null(error);
        Assert.Equal(("mail.example.org", 587, SmtpTls.StartTls, "alarms", "pw-1"), (ok.SmtpHost, ok.SmtpPort, ok.SmtpTls, ok.SmtpUser, ok.SmtpPassword));
        Assert.Equal(SmtpTls.Tls, Parse("[global]\nsmtp_tls : tls", "m", out _)!.SmtpTls);
        Assert.Equal(SmtpTls.Auto, Parse("[global]\nsmtp_server : h", "m", out _)!.SmtpTls);

        Assert.Null(Parse("[global]\nsmtp_tls : maybe", "m", out error));
        Assert.Equal("supervise.conf:2: smtp_tls 'maybe' is not auto, starttls, tls or none", error);
        Assert.Null(Parse("[global]\nsmtp_password :", "m", out error));
        Assert.DoesNotContain("pw", error!, StringComparison.Ordinal);
        Assert.Null(Parse("[global]\nsmtp_ca_file : /nonexistent/ca.pem", "m", out error));
        Assert.Contains("a readable PEM file", error!, StringComparison.Ordinal);
    }
}
