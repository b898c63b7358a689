namespace Trellis.Bench.Dist;

/// <summary>"ping" answers "pong", "count" the casts so far, an int K starts K more of these and answers their pids.</summary>
internal sealed class BenchServer : GenServer
{
    private int _casts;

    protected override async ValueTask<ServerResult> HandleCallAsync(object request, From from)
    {
        switch (request)
        {
            case "ping":
                return ServerResult.Reply("pong");
            case "count":
                return ServerResult.Reply(_casts);
            case int k:
                var pids = new object?[k];
                for (var i = 0; i < k; i++)
                {
                    pids[i] = (await GenServer.StartAsync(Context.Node, () => new BenchServer())).Pid;
                }

                return ServerResult.Reply(pids);
            default:
                return ServerResult.Reply("unknown");
        }
    }

    protected override ServerResult HandleCast(object request)
    {
        _casts++;
        return ServerResult.NoReply();
    }
}
