using System.Diagnostics;

namespace Trellis.Bench.Peers;

/// <summary>Trellis: a one_for_one supervisor, GenServers, a DynamicSupervisor, casts and calls.</summary>
internal sealed class TrellisPeer : IPeer
{
    private static readonly object Done = new();
    private readonly Node _node = new();
    private Pid _parent;

    public string Name => "Trellis";

    public async Task<double[]> CrashRestartAsync(int crashes)
    {
        var flags = new SupervisorFlags { Intensity = crashes + 1, Period = TimeSpan.FromSeconds(3600) };
        var sup = (await Supervisor.StartAsync(_node, [ChildSpec.ForServer("w", static () => new Worker(), name: "peers.crash")], flags)).Pid;
        var latencies = new double[crashes];
        for (var i = 0; i < crashes; i++)
        {
            var old = _node.WhereIs("peers.crash");
            var t0 = Stopwatch.GetTimestamp();
            GenServer.Cast(old, Worker.Crash);
            Pid fresh;
            while ((fresh = _node.WhereIs("peers.crash")).IsNone || fresh == old)
            {
                // One pause (some 50 ns) between looks: SpinWait(20) took 0.75 us here, and saw the new child that late.
                Thread.SpinWait(1);
            }

            Timing.Check(await GenServer.CallAsync(fresh, Worker.Ping) is "pong", "the restarted child answers");
            latencies[i] = Timing.Since(t0);
        }

        var child = (await Supervisor.WhichChildrenAsync(sup)).Single();
        Timing.Check(child.Restarts == crashes, $"{crashes} restarts, counted {child.Restarts}");
        await Supervisor.StopAsync(sup, ExitReason.Shutdown);
        return latencies;
    }

    public async Task<double> SpawnAsync(int n)
    {
        var result = new TaskCompletionSource<double>();
        _node.Spawn(async ctx =>
        {
            var parent = ctx.Self;
            Func<ProcessContext, ValueTask> body = _ =>
            {
                parent.Send(Done);
                return ValueTask.CompletedTask;
            };
            var t0 = Stopwatch.GetTimestamp();
            for (var i = 0; i < n; i++)
            {
                ctx.Spawn(body);
            }

            for (var i = 0; i < n; i++)
            {
                await ctx.ReceiveAsync();
            }

            result.SetResult(Timing.Since(t0) / n);
        });
        return await result.Task;
    }

    public async Task<double[]> CallAsync(int n)
    {
        var server = (await GenServer.StartAsync(_node, static () => new Worker())).Pid;
        var latencies = new double[n];
        for (var i = 0; i < n; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            var reply = await GenServer.CallAsync(server, Worker.Ping);
            latencies[i] = Timing.Since(t0) * 1000;
            Timing.Check(reply is "pong", "every call is answered");
        }

        await GenServer.StopAsync(server);
        return latencies;
    }

    public async Task<double> StartChildrenAsync(int n)
    {
        _parent = (await DynamicSupervisor.StartAsync(_node)).Pid;
        var spec = ChildSpec.ForServer("w", static () => new Worker());
        var t0 = Stopwatch.GetTimestamp();
        for (var i = 0; i < n; i++)
        {
            Timing.Check((await DynamicSupervisor.StartChildAsync(_parent, spec)).IsOk, "every child starts");
        }

        var perChild = Timing.Since(t0) / n;
        Timing.Check((await DynamicSupervisor.CountChildrenAsync(_parent)).Active == n, $"{n} children run");
        return perChild;
    }

    public async Task<double> StopParentAsync()
    {
        var t0 = Stopwatch.GetTimestamp();
        await DynamicSupervisor.StopAsync(_parent, ExitReason.Shutdown);
        var ms = Timing.Since(t0) / 1000;
        Timing.Check(_node.ProcessCount == 0, "the parent and its children are gone");
        return ms;
    }

    public async Task<double> MessagesAsync(int actors, int messages)
    {
        var pids = new Pid[actors];
        for (var i = 0; i < actors; i++)
        {
            pids[i] = (await GenServer.StartAsync(_node, static () => new Worker())).Pid;
        }

        var t0 = Stopwatch.GetTimestamp();
        for (var i = 0; i < messages; i++)
        {
            GenServer.Cast(pids[i % actors], Worker.Count);
        }

        long counted = 0;
        foreach (var pid in pids)
        {
            counted += (long)(await GenServer.CallAsync(pid, Worker.Total, Timeout.InfiniteTimeSpan))!;
        }

        var seconds = Timing.Since(t0) / 1_000_000;
        Timing.Check(counted == messages, $"{messages} messages counted, got {counted}");
        foreach (var pid in pids)
        {
            Node.Exit(pid, ExitReason.Kill);
        }

        return messages / seconds;
    }

    public ValueTask DisposeAsync() => _node.DisposeAsync();

    private sealed class Worker : GenServer
    {
        public static readonly object Ping = "ping";
        public static readonly object Crash = "crash";
        public static readonly object Count = "count";
        public static readonly object Total = "total";
        private long _count;

        protected override ServerResult HandleCall(object request, From from) =>
            ReferenceEquals(request, Total) ? Reply(_count) : Reply("pong");

        protected override ServerResult HandleCast(object request)
        {
            if (ReferenceEquals(request, Crash))
            {
                throw new InvalidOperationException("crash");
            }

            _count++;
            return NoReply();
        }
    }
}
