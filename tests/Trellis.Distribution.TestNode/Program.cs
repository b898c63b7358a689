using System.Globalization;
using Trellis;
using Trellis.Distribution;
using Trellis.Distribution.TestNode;

// A node for the distribution tests: `--name N@127.0.0.1 --cookie C [--port P] [--tick SECONDS] [--connect N@H:P]`.
// It prints "ready PORT" once listening, registers an echo process as "echo", and runs until killed or its stdin closes.
string? name = null, cookie = null, connect = null, supervise = null, pidFile = null;
var port = 0;
var tick = 4.0;
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--name": name = args[i + 1]; break;
        case "--cookie": cookie = args[i + 1]; break;
        case "--port": port = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--tick": tick = double.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--connect": connect = args[i + 1]; break;
        case "--supervise": supervise = args[i + 1]; break;
        case "--pidfile": pidFile = args[i + 1]; break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}

if (name is null || cookie is null)
{
    Console.Error.WriteLine("usage: --name N@127.0.0.1 --cookie C [--port P] [--tick S] [--connect N@H:P]");
    return 2;
}

await using var node = new Node(new NodeOptions { Name = name });
await using var net = await NodeNetwork.StartAsync(node, Shared.Options(cookie, port, TimeSpan.FromSeconds(tick)));
Shared.Expose(net);
var echo = node.Spawn(async ctx =>
{
    while (true)
    {
        if (await ctx.ReceiveAsync() is Ping ping)
        {
            ping.From.Send(new Pong(ping.N, ctx.Node.Name));
        }
    }
});
node.Register("echo", echo);
if (connect is not null && !await net.ConnectAsync(connect))
{
    Console.Error.WriteLine($"could not connect to {connect}");
}

if (supervise is not null)
{
    // The supervisor node of the fault tests: two children on the other node, one a GenServer that traps exits, one
    // running an OS program.
    var children = new List<ChildSpec> { net.ServerSpec("c1", supervise, "trapping_counter", 0, "c1") };
    if (pidFile is not null)
    {
        children.Add(net.ServerSpec("prog", supervise, "program", pidFile, "prog"));
    }

    var sup = await Supervisor.StartAsync(node, children, new SupervisorFlags { Intensity = 10, Period = TimeSpan.FromSeconds(10) });
    if (!sup.IsOk)
    {
        Console.Error.WriteLine($"the supervisor did not start: {sup}");
        return 1;
    }
}

Console.WriteLine($"ready {net.Address.Port}");
await Console.In.ReadToEndAsync();
return 0;
