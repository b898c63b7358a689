using System.Diagnostics;
using System.Globalization;
using Trellis;
using Trellis.Cluster;
using Trellis.Distribution;

// A cluster member for the fault tests: `--name N@127.0.0.1 --etcd URL --cluster C [--ttl S] [--own K]`. It exposes the
// child kind "worker", whose copies print "started CHILD NODE T", "tick CHILD NODE T" (every 100 ms, only while the
// node holds its lease: the fencing check at the point of action) and "stopped CHILD NODE T", with T the machine's
// monotonic clock in ticks, comparable across processes. With --own K it owns cluster supervisor "s" with K children.
// It prints "ready" once joined, "fenced"/"rejoined" on membership changes, and runs until killed or its stdin closes.
string? name = null, etcd = null, cluster = null;
var ttl = 3;
var own = 0;
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--name": name = args[i + 1]; break;
        case "--etcd": etcd = args[i + 1]; break;
        case "--cluster": cluster = args[i + 1]; break;
        case "--ttl": ttl = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--own": own = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}

if (name is null || etcd is null || cluster is null)
{
    Console.Error.WriteLine("usage: --name N@127.0.0.1 --etcd URL --cluster C [--ttl S] [--own K]");
    return 2;
}

await using var node = new Node(new NodeOptions { Name = name });
await using var net = await NodeNetwork.StartAsync(node, new NetworkOptions { Cookie = "cluster-test-cookie-0123", TickTime = TimeSpan.FromSeconds(2) });
await using var member = await ClusterNode.JoinAsync(net, new ClusterOptions { Endpoints = etcd, Cluster = cluster, LeaseTtl = TimeSpan.FromSeconds(ttl) });
Out.Member = member;
member.Expose("worker", () => new TickingWorker());
var watcher = node.Spawn(async ctx =>
{
    while (true)
    {
        if (await ctx.ReceiveAsync() is MembershipChanged change)
        {
            Out.Line(change.Fenced ? "fenced" : "rejoined");
        }
    }
});
member.MonitorMembers(watcher);
if (own > 0)
{
    var spec = new ClusterSupervisorSpec("s")
    {
        Flags = new SupervisorFlags { Intensity = 100, Period = TimeSpan.FromSeconds(10) },
        Children = [.. Enumerable.Range(0, own).Select(i => new ClusterChildSpec($"w{i}", "worker") { Argument = $"w{i}" })],
    };
    var sup = await ClusterSupervisor.StartAsync(member, spec);
    if (!sup.IsOk)
    {
        Console.Error.WriteLine($"the cluster supervisor did not start: {sup}");
        return 1;
    }
}

Out.Line("ready");
await Console.In.ReadToEndAsync();
return 0;

internal static class Out
{
    private static readonly Lock Gate = new();

    public static ClusterNode? Member { get; set; }

    public static void Line(string text)
    {
        lock (Gate)
        {
            Console.WriteLine(text);
            Console.Out.Flush();
        }
    }

    public static void Event(string what, string child, string node) =>
        Line(string.Create(CultureInfo.InvariantCulture, $"{what} {child} {node} {Stopwatch.GetTimestamp()}"));
}

internal sealed class TickingWorker : GenServer
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);
    private string _child = "";

    protected override InitResult Init(object? argument)
    {
        Context.TrapExit = true;
        _child = argument as string ?? "?";
        Out.Event("started", _child, Context.Node.Name);
        return InitResult.Ok().WithTimeout(Tick);
    }

    protected override ServerResult HandleInfo(object message)
    {
        if (Out.Member?.HoldsLease == true)
        {
            Out.Event("tick", _child, Context.Node.Name);
        }

        return NoReply().WithTimeout(Tick);
    }

    protected override void Terminate(ExitReason reason) => Out.Event("stopped", _child, Context.Node.Name);
}
