using System.Globalization;
using Trellis;
using Trellis.Distribution;
using Trellis.Examples.Cowboy;

// The seed's cowboy example over Trellis.Distribution, one node per invocation:
//   dotnet run --project examples/Cowboy -- --node foo@127.0.0.1:9101 --cookie SECRET
//   dotnet run --project examples/Cowboy -- --node super@127.0.0.1:9100 --cookie SECRET --supervise foo@127.0.0.1:9101,bar@127.0.0.1:9102
// The supervisor node starts, on the i-th listed node, an HTTP listener on port 8080+i answering the date, each under its
// own remote parent (CowboyParent), one_for_one. Commands on standard input: `which` lists the children, `kill` kills
// this node's cowboy parents (as the seed's Process.exit on foo), `stop` stops the supervisor; end of input quits.
const string Usage = "usage: cowboy --node NAME@HOST:PORT --cookie SECRET [--supervise NODE@HOST:PORT,...] [--base-port 8080] [--tick SECONDS]";
string? address = null, cookie = null, supervise = null;
var basePort = 8080;
var tick = NetworkOptions.DefaultTickTime;
try
{
    for (var i = 0; i < args.Length; i++)
    {
        string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
        switch (args[i])
        {
            case "--node": address = Value(); break;
            case "--cookie": cookie = Value(); break;
            case "--supervise": supervise = Value(); break;
            case "--base-port":
                basePort = int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var b) && b is > 0 and < 65000
                    ? b : throw new ArgumentException($"--base-port '{args[i]}' must be a number from 1 to 64999");
                break;
            case "--tick":
                tick = double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out var t) && t is >= 0.4 and <= 3600
                    ? TimeSpan.FromSeconds(t) : throw new ArgumentException($"--tick '{args[i]}' must be seconds from 0.4 to 3600");
                break;
            case "--help" or "-h":
                Console.WriteLine(Usage);
                return 0;
            default:
                Console.Error.WriteLine($"cowboy: unknown option '{args[i]}'\n{Usage}");
                return 2;
        }
    }
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"cowboy: {ex.Message}\n{Usage}");
    return 2;
}

if (!NodeAddress.TryParse(address, out var self, out var error) || string.IsNullOrEmpty(cookie))
{
    Console.Error.WriteLine(address is null || cookie is null
        ? Usage
        : $"cowboy: --node {error}");
    return 2;
}

var nodes = new List<NodeAddress>();
foreach (var item in (supervise ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
{
    if (!NodeAddress.TryParse(item, out var peer, out var peerError))
    {
        Console.Error.WriteLine($"cowboy: --supervise {peerError}");
        return 2;
    }

    nodes.Add(peer);
}

await using var node = new Node(new NodeOptions { Name = self.Name });
var options = new NetworkOptions { Cookie = cookie, Port = self.Port, TickTime = tick };
NodeNetwork net;
try
{
    net = await NodeNetwork.StartAsync(node, options);
}
catch (Exception ex) when (ex is ArgumentException or System.Net.Sockets.SocketException)
{
    Console.Error.WriteLine($"cowboy: {ex.Message}");
    return 1;
}

await using var disposeNet = net;
net.ExposeServer("cowboy_parent", () => new CowboyParent());
Console.WriteLine($"node {net.Address} up (tick time {tick.TotalSeconds:0.#} s)");

Pid sup = Pid.None;
if (nodes.Count > 0)
{
    var children = nodes.Select((peer, index) =>
    {
        net.AddPeer(peer);
        return net.ServerSpec($"worker{index + 1}", peer.Name, "cowboy_parent", basePort + index + 1, $"{peer.Name}_cowboy_parent");
    });
    var started = await Supervisor.StartAsync(node, children, new SupervisorFlags { Strategy = Strategy.OneForOne, Intensity = 3, Period = TimeSpan.FromSeconds(5) });
    if (!started.IsOk)
    {
        Console.Error.WriteLine($"cowboy: the supervisor did not start: {started}");
        return 1;
    }

    sup = started.Pid;
    Console.WriteLine($"supervising {nodes.Count} listeners from {sup}");
}

Console.WriteLine("ready");
while (await Console.In.ReadLineAsync() is { } line)
{
    switch (line.Trim())
    {
        case "which" when !sup.IsNone:
            foreach (var child in await Supervisor.WhichChildrenAsync(sup))
            {
                Console.WriteLine($"{child.Id} {child.Pid} on {child.Pid.NodeName}");
            }

            break;
        case "kill":
            var parent = node.WhereIs($"{node.Name}_cowboy_parent");
            Console.WriteLine(parent.IsNone ? "no cowboy parent here" : $"killing {parent}");
            if (!parent.IsNone)
            {
                Node.Exit(parent, ExitReason.Kill);
            }

            break;
        case "stop" when !sup.IsNone:
            var exited = Node.WaitForExitAsync(sup);
            Node.Exit(sup, ExitReason.Shutdown);
            Console.WriteLine($"supervisor stopped: {await exited}");
            sup = Pid.None;
            break;
        case "":
            break;
        default:
            Console.WriteLine("commands: which, kill, stop");
            break;
    }
}

return 0;
