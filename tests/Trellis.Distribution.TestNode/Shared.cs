using Trellis.Distribution;
using Trellis.OsProcess;

namespace Trellis.Distribution.TestNode;

/// <summary>A message with a pid in it.</summary>
public sealed record Ping(Pid From, int N);

/// <summary>The echo's answer.</summary>
public sealed record Pong(int N, string Text);

/// <summary>What the test node and the tests share: message types, and the functions a node exposes.</summary>
public static class Shared
{
    public static NetworkOptions Options(string cookie, int port, TimeSpan tick)
    {
        var options = new NetworkOptions { Cookie = cookie, Port = port, TickTime = tick };
        options.MessageTypes.Register<Ping>("ping").Register<Pong>("pong");
        return options;
    }

    public static void Expose(NodeNetwork net)
    {
        net.ExposeServer("counter", () => new Counter());
        net.ExposeServer("trapping_counter", () => new Counter { Traps = true });
        // A bare process that ignores its link's exit (traps, and keeps running): Erlang's orphan.
        net.Expose("trapper", async (ctx, _) =>
        {
            ctx.TrapExit = true;
            while (true)
            {
                await ctx.ReceiveAsync();
            }
        });
        net.Expose("idle", async (ctx, _) =>
        {
            while (true)
            {
                await ctx.ReceiveAsync();
            }
        });
        // A GenServer that runs an OS program (argument: the file its pid goes to) under its own supervisor.
        net.ExposeServer("program", () => new ProgramHolder());
    }
}

/// <summary>Counts: "get" answers the count, "inc" casts add one, "crash" raises, "pid" answers the server's pid.</summary>
public sealed class Counter : GenServer
{
    private int _count;

    public bool Traps { get; init; }

    protected override InitResult Init(object? argument)
    {
        Context.TrapExit = Traps;
        _count = argument is int start ? start : 0;
        return InitResult.Ok();
    }

    protected override ServerResult HandleCall(object request, From from) => request switch
    {
        "get" => ServerResult.Reply(_count),
        "crash" => throw new InvalidOperationException("asked to crash"),
        "pid" => ServerResult.Reply(Self),
        "later" => Defer(from),
        "node" => ServerResult.Reply(Context.Node.Name),
        _ => ServerResult.Reply("unknown"),
    };

    protected override ServerResult HandleCast(object request)
    {
        if (request is "inc")
        {
            _count++;
        }

        return ServerResult.NoReply();
    }

    private ServerResult Defer(From from)
    {
        // Reply from another process, later.
        Context.Spawn(_ =>
        {
            GenServer.Reply(from, "from elsewhere");
            return ValueTask.CompletedTask;
        });
        return ServerResult.NoReply();
    }
}

/// <summary>Starts `sleep 600` as a supervised OS program and writes its pid to the file named by its argument.</summary>
public sealed class ProgramHolder : GenServer
{
    protected override async ValueTask<InitResult> InitAsync(object? argument)
    {
        var file = (string)argument!;
        var spec = new ProgramSpec { FileName = "/bin/sleep", Arguments = ["600"] };
        var started = await ProgramChild.StartLinkAsync(Context, spec);
        if (!started.IsOk)
        {
            return InitResult.Stop(started.Error!);
        }

        var osPid = await ProgramChild.WaitSpawnedAsync(started.Pid, TimeSpan.FromSeconds(10));
        await File.WriteAllTextAsync(file, osPid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return InitResult.Ok();
    }
}
