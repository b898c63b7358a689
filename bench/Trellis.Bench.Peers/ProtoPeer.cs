using System.Diagnostics;
using Proto;

namespace Trellis.Bench.Peers;

/// <summary>Proto.Actor: IActors under a parent with a OneForOneStrategy, Send and RequestAsync, StopAsync.</summary>
internal sealed class ProtoPeer : IPeer
{
    private static readonly object Done = new();
    private readonly ActorSystem _system = new(ActorSystemConfig.Setup().WithDeveloperSupervisionLogging(false));
    private PID? _parent;

    public string Name => "Proto.Actor";

    private IRootContext Root => _system.Root;

    public async Task<double[]> CrashRestartAsync(int crashes)
    {
        var parent = Root.Spawn(Props.FromProducer(() => new Parent()).WithChildSupervisorStrategy(Parent.Restart));
        var child = await Root.RequestAsync<PID>(parent, Parent.StartChild);
        var latencies = new double[crashes];
        for (var i = 0; i < crashes; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            Root.Send(child, Worker.Crash);
            Timing.Check(await Root.RequestAsync<string>(child, Worker.Ping) == "pong", "the restarted child answers");
            latencies[i] = Timing.Since(t0);
        }

        var restarts = await Root.RequestAsync<long>(child, Worker.Restarts);
        Timing.Check(restarts == crashes, $"{crashes} restarts, counted {restarts}");
        await Root.StopAsync(parent);
        return latencies;
    }

    public async Task<double> SpawnAsync(int n)
    {
        var done = new TaskCompletionSource<double>();
        Root.Spawn(Props.FromProducer(() => new Spawner(n, done)));
        return await done.Task;
    }

    public async Task<double[]> CallAsync(int n)
    {
        var server = Root.Spawn(Props.FromProducer(() => new Worker()));
        var latencies = new double[n];
        for (var i = 0; i < n; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            var reply = await Root.RequestAsync<string>(server, Worker.Ping);
            latencies[i] = Timing.Since(t0) * 1000;
            Timing.Check(reply == "pong", "every request is answered");
        }

        await Root.StopAsync(server);
        return latencies;
    }

    public async Task<double> StartChildrenAsync(int n)
    {
        _parent = Root.Spawn(Props.FromProducer(() => new Parent()).WithChildSupervisorStrategy(Parent.Restart));
        var t0 = Stopwatch.GetTimestamp();
        for (var i = 0; i < n; i++)
        {
            Timing.Check(await Root.RequestAsync<PID>(_parent, Parent.StartChild) is not null, "every child starts");
        }

        var perChild = Timing.Since(t0) / n;
        Timing.Check(await Root.RequestAsync<int>(_parent, Parent.CountChildren) == n, $"{n} children run");
        return perChild;
    }

    public async Task<double> StopParentAsync()
    {
        var t0 = Stopwatch.GetTimestamp();
        await Root.StopAsync(_parent!);
        return Timing.Since(t0) / 1000;
    }

    public async Task<double> MessagesAsync(int actors, int messages)
    {
        var pids = new PID[actors];
        var props = Props.FromProducer(() => new Worker());
        for (var i = 0; i < actors; i++)
        {
            pids[i] = Root.Spawn(props);
        }

        var t0 = Stopwatch.GetTimestamp();
        for (var i = 0; i < messages; i++)
        {
            Root.Send(pids[i % actors], Worker.Count);
        }

        long counted = 0;
        foreach (var pid in pids)
        {
            counted += await Root.RequestAsync<long>(pid, Worker.Total, CancellationToken.None);
        }

        var seconds = Timing.Since(t0) / 1_000_000;
        Timing.Check(counted == messages, $"{messages} messages counted, got {counted}");
        foreach (var pid in pids)
        {
            Root.Stop(pid);
        }

        return messages / seconds;
    }

    public async ValueTask DisposeAsync() => await _system.ShutdownAsync();

    private sealed class Worker : IActor
    {
        public static readonly object Ping = "ping";
        public static readonly object Crash = "crash";
        public static readonly object Count = "count";
        public static readonly object Total = "total";
        public static readonly object Restarts = "restarts";
        private static long _restarts;
        private long _count;

        public Task ReceiveAsync(IContext context)
        {
            var m = context.Message;
            if (ReferenceEquals(m, Crash))
            {
                throw new InvalidOperationException("crash");
            }

            if (ReferenceEquals(m, Count))
            {
                _count++;
            }
            else if (ReferenceEquals(m, Total))
            {
                context.Respond(_count);
            }
            else if (ReferenceEquals(m, Restarts))
            {
                context.Respond(Interlocked.Exchange(ref _restarts, 0));
            }
            else if (ReferenceEquals(m, Ping))
            {
                context.Respond("pong");
            }
            else if (m is Restarting)
            {
                Interlocked.Increment(ref _restarts);
            }

            return Task.CompletedTask;
        }
    }

    private sealed class Parent : IActor
    {
        public static readonly object StartChild = "start_child";
        public static readonly object CountChildren = "count_children";
        public static readonly ISupervisorStrategy Restart = new OneForOneStrategy((_, _) => SupervisorDirective.Restart, int.MaxValue, null);
        private static readonly Props WorkerProps = Props.FromProducer(() => new Worker());

        public Task ReceiveAsync(IContext context)
        {
            if (ReferenceEquals(context.Message, StartChild))
            {
                context.Respond(context.Spawn(WorkerProps));
            }
            else if (ReferenceEquals(context.Message, CountChildren))
            {
                context.Respond(context.Children.Count);
            }

            return Task.CompletedTask;
        }
    }

    private sealed class Spawner(int n, TaskCompletionSource<double> done) : IActor
    {
        private static readonly Props ChildProps = Props.FromProducer(() => new Child());
        private long _t0;
        private int _seen;

        public Task ReceiveAsync(IContext context)
        {
            if (context.Message is Started)
            {
                _t0 = Stopwatch.GetTimestamp();
                for (var i = 0; i < n; i++)
                {
                    context.Spawn(ChildProps);
                }
            }
            else if (ReferenceEquals(context.Message, Done) && ++_seen == n)
            {
                done.SetResult(Timing.Since(_t0) / n);
                context.Stop(context.Self);
            }

            return Task.CompletedTask;
        }
    }

    private sealed class Child : IActor
    {
        public Task ReceiveAsync(IContext context)
        {
            if (context.Message is Started)
            {
                context.Send(context.Parent!, Done);
                context.Stop(context.Self);
            }

            return Task.CompletedTask;
        }
    }
}
