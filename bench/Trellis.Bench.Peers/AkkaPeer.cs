using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;

namespace Trellis.Bench.Peers;

/// <summary>Akka.NET: ReceiveActors under a parent with a OneForOneStrategy, Tell and Ask, GracefulStop.</summary>
internal sealed class AkkaPeer : IPeer
{
    private static readonly object Done = new();

    // Logging off, as Trellis's and Proto.Actor's loggers are off here: a crash would otherwise be printed.
    private readonly ActorSystem _system = ActorSystem.Create("peers", ConfigurationFactory.ParseString(
        "akka { loglevel = OFF, stdout-loglevel = OFF, log-dead-letters = off, log-dead-letters-during-shutdown = off }"));

    private IActorRef? _parent;

    public string Name => "Akka.NET";

    public async Task<double[]> CrashRestartAsync(int crashes)
    {
        var parent = _system.ActorOf(Props.Create(() => new Parent()));
        var child = await parent.Ask<IActorRef>(Parent.StartChild);
        var latencies = new double[crashes];
        for (var i = 0; i < crashes; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            child.Tell(Worker.Crash);
            Timing.Check(await child.Ask<string>(Worker.Ping) == "pong", "the restarted child answers");
            latencies[i] = Timing.Since(t0);
        }

        var restarts = await child.Ask<long>(Worker.Restarts);
        Timing.Check(restarts == crashes, $"{crashes} restarts, counted {restarts}");
        await parent.GracefulStop(TimeSpan.FromMinutes(1));
        return latencies;
    }

    public async Task<double> SpawnAsync(int n)
    {
        var done = new TaskCompletionSource<double>();
        _system.ActorOf(Props.Create(() => new Spawner(n, done)));
        return await done.Task;
    }

    public async Task<double[]> CallAsync(int n)
    {
        var server = _system.ActorOf(Props.Create(() => new Worker()));
        var latencies = new double[n];
        for (var i = 0; i < n; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            var reply = await server.Ask<string>(Worker.Ping);
            latencies[i] = Timing.Since(t0) * 1000;
            Timing.Check(reply == "pong", "every ask is answered");
        }

        await server.GracefulStop(TimeSpan.FromMinutes(1));
        return latencies;
    }

    public async Task<double> StartChildrenAsync(int n)
    {
        _parent = _system.ActorOf(Props.Create(() => new Parent()));
        var t0 = Stopwatch.GetTimestamp();
        for (var i = 0; i < n; i++)
        {
            Timing.Check(await _parent.Ask<IActorRef>(Parent.StartChild) is not null, "every child starts");
        }

        var perChild = Timing.Since(t0) / n;
        Timing.Check(await _parent.Ask<int>(Parent.CountChildren) == n, $"{n} children run");
        return perChild;
    }

    public async Task<double> StopParentAsync()
    {
        var t0 = Stopwatch.GetTimestamp();
        Timing.Check(await _parent!.GracefulStop(TimeSpan.FromMinutes(5)), "the parent stopped");
        return Timing.Since(t0) / 1000;
    }

    public async Task<double> MessagesAsync(int actors, int messages)
    {
        var refs = new IActorRef[actors];
        for (var i = 0; i < actors; i++)
        {
            refs[i] = _system.ActorOf(Props.Create(() => new Worker()));
        }

        var t0 = Stopwatch.GetTimestamp();
        for (var i = 0; i < messages; i++)
        {
            refs[i % actors].Tell(Worker.Count, ActorRefs.NoSender);
        }

        long counted = 0;
        foreach (var r in refs)
        {
            counted += await r.Ask<long>(Worker.Total, Timeout.InfiniteTimeSpan);
        }

        var seconds = Timing.Since(t0) / 1_000_000;
        Timing.Check(counted == messages, $"{messages} messages counted, got {counted}");
        foreach (var r in refs)
        {
            r.Tell(PoisonPill.Instance);
        }

        return messages / seconds;
    }

    public async ValueTask DisposeAsync() => await _system.Terminate();

    private sealed class Worker : ReceiveActor
    {
        public static readonly object Ping = "ping";
        public static readonly object Crash = "crash";
        public static readonly object Count = "count";
        public static readonly object Total = "total";
        public static readonly object Restarts = "restarts";
        private static long _restarts;
        private long _count;

        public Worker()
        {
            Receive<string>(m =>
            {
                if (ReferenceEquals(m, Count))
                {
                    _count++;
                }
                else if (ReferenceEquals(m, Crash))
                {
                    throw new InvalidOperationException("crash");
                }
                else if (ReferenceEquals(m, Total))
                {
                    Sender.Tell(_count);
                }
                else if (ReferenceEquals(m, Restarts))
                {
                    Sender.Tell(Interlocked.Exchange(ref _restarts, 0));
                }
                else
                {
                    Sender.Tell("pong");
                }
            });
        }

        protected override void PostRestart(Exception reason)
        {
            Interlocked.Increment(ref _restarts);
            base.PostRestart(reason);
        }
    }

    private sealed class Parent : ReceiveActor
    {
        public static readonly object StartChild = "start_child";
        public static readonly object CountChildren = "count_children";
        private static readonly Props WorkerProps = Props.Create(() => new Worker());

        public Parent()
        {
            Receive<string>(m =>
            {
                if (ReferenceEquals(m, StartChild))
                {
                    Sender.Tell(Context.ActorOf(WorkerProps));
                }
                else if (ReferenceEquals(m, CountChildren))
                {
                    Sender.Tell(Context.GetChildren().Count());
                }
            });
        }

        protected override SupervisorStrategy SupervisorStrategy() =>
            new OneForOneStrategy(-1, -1, _ => Directive.Restart, loggingEnabled: false);
    }

    private sealed class Spawner : ReceiveActor
    {
        private readonly int _n;
        private readonly TaskCompletionSource<double> _done;
        private long _t0;
        private int _seen;

        public Spawner(int n, TaskCompletionSource<double> done)
        {
            _n = n;
            _done = done;
            Receive<object>(m => ReferenceEquals(m, Done), _ =>
            {
                if (++_seen == _n)
                {
                    _done.SetResult(Timing.Since(_t0) / _n);
                    Context.Stop(Self);
                }
            });
        }

        protected override void PreStart()
        {
            _t0 = Stopwatch.GetTimestamp();
            for (var i = 0; i < _n; i++)
            {
                Context.ActorOf(Props.Create(() => new Child()));
            }
        }
    }

    private sealed class Child : UntypedActor
    {
        protected override void PreStart()
        {
            Context.Parent.Tell(Done);
            Context.Stop(Self);
        }

        protected override void OnReceive(object message)
        {
        }
    }
}
