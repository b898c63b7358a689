using Trellis.OsProcess.StatusFiles;
namespace Trellis.Supervise.Tests;

/// <summary>Bad input: a clear message, exit code 100, nothing left running.</summary>
public class BadInputTests
{
    [Theory]
    [InlineData(new[] { "-f", "sleep 1" }, "missing -p")]
    [InlineData(new[] { "-p", "/tmp/x" }, "missing -f")]
    [InlineData(new[] { "-p", "/tmp/x", "-f", "sleep 1", "--bogus" }, "unknown argument '--bogus'")]
    [InlineData(new[] { "-p" }, "-p needs a value")]
    [InlineData(new[] { "-p", "/tmp/x", "-f", "sleep 1", "--restart-delay", "soon" }, "--restart-delay needs a number")]
    [InlineData(new[] { "-p", "/tmp/x", "-f", "sleep 1", "--stop-signal", "SIGNOPE" }, "--stop-signal needs a signal")]
    [InlineData(new[] { "-p", "/tmp/x", "-f", "sleep 1", "--status-layout", "s6" }, "--status-layout is 'seed' or 'runit'")]
    public async Task BadArguments_Exit100WithTheReason(string[] args, string message)
    {
        var (code, _, err) = await SupervisedDir.RunAsync(args);
        Assert.Equal(100, code);
        Assert.Contains(message, err, StringComparison.Ordinal);
        Assert.Contains("usage: supervise", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_And_Help_Exit0()
    {
        var (code, output, _) = await SupervisedDir.RunAsync("--version");
        Assert.Equal(0, code);
        Assert.Matches(@"^supervise \(trellis\) [0-9]+\.[0-9]+\.[0-9]+", output);
        (code, output, _) = await SupervisedDir.RunAsync("--help");
        Assert.Equal(0, code);
        Assert.Contains("--version", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedConfig_NamesFileAndLine()
    {
        await using var d = new SupervisedDir();
        var conf = Path.Combine(d.Root, "supervise.conf");
        await File.WriteAllTextAsync(conf, "[global]\nalarm_interval : 60\nmax_tries = 3\n");
        var (code, _, err) = await SupervisedDir.RunAsync("-p", d.StatusPath, "-f", "sleep 600", "-F", conf);
        Assert.Equal(100, code);
        Assert.Contains($"{conf}:3: expected 'key : value'", err, StringComparison.Ordinal);
        Assert.False(File.Exists(d.File("status")), "nothing was started");
    }

    [Fact]
    public async Task UnreadableConfig_IsNamed()
    {
        await using var d = new SupervisedDir();
        var (code, _, err) = await SupervisedDir.RunAsync("-p", d.StatusPath, "-f", "sleep 600", "-F", "/nonexistent/supervise.conf");
        Assert.Equal(100, code);
        Assert.Contains("/nonexistent/supervise.conf: cannot read the configuration", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatusDirectoryThatCannotBeCreated_Exit100()
    {
        await using var d = new SupervisedDir();
        var file = Path.Combine(d.Root, "a-file");
        await File.WriteAllTextAsync(file, "x");
        var (code, _, err) = await SupervisedDir.RunAsync("-p", Path.Combine(file, "status"), "-f", "sleep 600");
        Assert.Equal(100, code);
        Assert.Contains("unable to create the status directory", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedCommand_Exit100()
    {
        await using var d = new SupervisedDir();
        var (code, _, err) = await SupervisedDir.RunAsync("-p", d.StatusPath, "-f", "sleep '600");
        Assert.Equal(100, code);
        Assert.Contains("-f: unterminated single quote", err, StringComparison.Ordinal);
    }
}
