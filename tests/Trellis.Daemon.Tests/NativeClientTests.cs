using System.Text.Json;

namespace Trellis.Daemon.Tests;

/// <summary>
/// The native trellis client (artifacts/trellis/trellis, published by test.sh): its commands answer as the daemon's
/// own binary does, and `trellis up` hands the process over to the daemon (same pid, the daemon's GC budget).
/// </summary>
public sealed class NativeClientTests
{
    private const string Tree = """
        name: native
        children:
          - service: a
            command: [sleep, "1000"]
          - service: b
            command: [sleep, "1000"]
        """;

    private static string Native { get; } = FindNative();

    [Fact]
    public async Task Native_up_becomes_the_daemon_and_every_client_command_answers_as_the_daemons_binary()
    {
        await using var d = await DaemonProcess.StartWithAsync(Native, Tree);

        // The process launched is the daemon now: same pid, the daemon's binary under the name trellis, its GC budget.
        Assert.Equal("trellis", (await File.ReadAllTextAsync($"/proc/{d.Pid}/comm")).Trim());
        Assert.EndsWith("/daemon/trellis", new FileInfo($"/proc/{d.Pid}/exe").LinkTarget, StringComparison.Ordinal);
        Assert.Contains("DOTNET_GCgen0size=0x400000", await File.ReadAllTextAsync($"/proc/{d.Pid}/environ"), StringComparison.Ordinal);

        var native = await DaemonProcess.RunWithAsync(Native, "status", "--json", "--socket", d.Socket);
        var own = await d.CtlAsync("status", "--json");
        Assert.Equal((own.Code, Shape(own.Out)), (native.Code, Shape(native.Out)));
        Assert.Equal(0, native.Code);

        var before = await d.OsPidAsync("b");
        var restart = await DaemonProcess.RunWithAsync(Native, "restart", "b", "--socket", d.Socket);
        Assert.True(restart.Code == 0, restart.Err);
        Assert.NotEqual(before, await d.OsPidAsync("b"));

        // Errors keep their codes: 4 for an unknown node, 3 with no daemon, 2 for bad usage.
        Assert.Equal(4, (await DaemonProcess.RunWithAsync(Native, "status", "nope", "--socket", d.Socket)).Code);
        var none = await DaemonProcess.RunWithAsync(Native, "status", "--socket", Path.Combine(d.Dir, "no.sock"));
        Assert.Equal(3, none.Code);
        Assert.Contains("no trellis daemon is listening", none.Err, StringComparison.Ordinal);
        Assert.Equal(2, (await DaemonProcess.RunWithAsync(Native, "logs", "a", "--lines", "many", "--socket", d.Socket)).Code);

        // check goes to the daemon's binary too, with its exit codes.
        var check = await DaemonProcess.RunWithAsync(Native, "check", Path.Combine(d.Dir, "tree.yaml"));
        Assert.True(check.Code == 0, check.Out + check.Err);
        // The same version (the commit after '+' is the one each was built from).
        var version = await DaemonProcess.RunWithAsync(Native, "--version");
        Assert.Equal((await DaemonProcess.RunTrellisAsync("--version")).Out.Split('+')[0], version.Out.Split('+')[0]);
    }

    /// <summary>Names, kinds and statuses in order: what must agree (uptimes move).</summary>
    private static string Shape(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return string.Join(";", doc.RootElement.GetProperty("nodes").EnumerateArray().Select(n =>
        {
            var node = n.GetProperty("node");
            return $"{node.GetProperty("name").GetString()}:{node.GetProperty("kind").GetString()}:{node.GetProperty("status").GetString()}:{node.GetProperty("pid").GetString()}";
        }));
    }

    private static string FindNative()
    {
        if (Environment.GetEnvironmentVariable("TRELLIS_NATIVE_CLIENT") is { Length: > 0 } named)
        {
            return named;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Trellis.slnx")))
            {
                var native = Path.Combine(dir.FullName, "artifacts", "trellis", "trellis");
                return File.Exists(native) && File.Exists(Path.Combine(dir.FullName, "artifacts", "trellis", "daemon", "trellis"))
                    ? native
                    : throw new InvalidOperationException($"no native client at {native} with its daemon/ beside it: run test.sh (it publishes both)");
            }
        }

        throw new InvalidOperationException("the repository root (Trellis.slnx) is not above " + AppContext.BaseDirectory);
    }
}
