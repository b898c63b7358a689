using Trellis.Tests.Fakes;

namespace Trellis.Tests;

public class NameTests
{
    [Fact]
    public async Task Register_WhereIs_Unregister()
    {
        await using var probe = new Probe();
        var pid = probe.Node.Spawn(async ctx => await ctx.ReceiveAsync());
        Assert.True(probe.Node.TryRegister("svc", pid));
        Assert.Equal(pid, probe.Node.WhereIs("svc"));
        Assert.False(probe.Node.TryRegister("svc", pid));
        Assert.Throws<ArgumentException>(() => probe.Node.Register("svc", pid));
        Assert.True(probe.Node.Unregister("svc"));
        Assert.True(probe.Node.WhereIs("svc").IsNone);
        Assert.False(probe.Node.Unregister("svc"));
        Node.Exit(pid, ExitReason.Kill);
    }

    [Fact]
    public async Task Name_DiesWithItsProcess()
    {
        await using var probe = new Probe();
        var pid = probe.Node.Spawn(async ctx => await ctx.ReceiveAsync());
        probe.Node.Register("svc", pid);
        Node.Exit(pid, ExitReason.Kill);
        await Probe.ExitOf(pid);
        Assert.True(probe.Node.WhereIs("svc").IsNone);
        Assert.DoesNotContain("svc", probe.Node.RegisteredNames);
    }

    [Fact]
    public async Task StartingNamedServer_WhenNameTaken_GivesAlreadyStarted()
    {
        await using var probe = new Probe();
        var first = await GenServer.StartAsync(probe.Node, () => new Worker("a", probe.Log, new()), options: new GenServerOptions { Name = "stack" });
        var second = await GenServer.StartAsync(probe.Node, () => new Worker("b", probe.Log, new()), options: new GenServerOptions { Name = "stack" });
        Assert.True(second.IsError);
        Assert.Equal(SupervisorErrors.AlreadyStarted(first.Pid), second.Error);
        Assert.Equal(1, probe.Log.Count("start a"));
        Assert.Equal(0, probe.Log.Count("start b"));
    }
}
