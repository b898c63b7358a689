using Trellis.Distribution;

namespace Trellis.Cluster.Tests;

/// <summary>
/// What happened, in order, as the processes of a test reported it. A test waits for a matching entry with a deadline;
/// nothing is discarded, so waiting for one entry never loses another that came first.
/// </summary>
public sealed class Sink
{
    private readonly Lock _gate = new();
    private readonly List<object> _items = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static TimeSpan Deadline { get; } = TimeSpan.FromSeconds(20);

    public void Write(object item)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _items.Add(item);
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    public async Task<T> WaitForAsync<T>(Func<T, bool>? match = null, TimeSpan? deadline = null)
    {
        using var timeout = new CancellationTokenSource(deadline ?? Deadline);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                foreach (var item in _items)
                {
                    if (item is T t && (match is null || match(t)))
                    {
                        return t;
                    }
                }

                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no matching {typeof(T).Name} came within {deadline ?? Deadline}");
            }
        }
    }

    public IReadOnlyList<object> Snapshot()
    {
        lock (_gate)
        {
            return [.. _items];
        }
    }

    /// <summary>A process that writes every message it gets here.</summary>
    public Pid Inbox(Node node) => node.Spawn(async ctx =>
    {
        while (true)
        {
            Write(await ctx.ReceiveAsync());
        }
    });
}

public sealed record Started(string Child, string Node, Pid Pid);

public sealed record Stopped(string Child, string Node, Pid Pid, ExitReason Reason);

/// <summary>The cluster child of the tests: it reports its start and stop, answers "where" with its node, and "crash" by crashing.</summary>
public sealed class Worker(Sink sink) : GenServer
{
    private string _child = "";

    protected override InitResult Init(object? argument)
    {
        Context.TrapExit = true;
        _child = argument as string ?? "?";
        sink.Write(new Started(_child, Context.Node.Name, Self));
        return InitResult.Ok();
    }

    protected override ServerResult HandleCall(object request, From from) => request switch
    {
        "where" => Reply(Context.Node.Name),
        "crash" => Stop(ExitReason.Atom("crashed"), "crashing"),
        _ => Reply(null),
    };

    protected override void Terminate(ExitReason reason) => sink.Write(new Stopped(_child, Context.Node.Name, Self, reason));
}

/// <summary>Nodes in this test process, on loopback, members of one cluster of their own.</summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly List<(Node Node, NodeNetwork Net, ClusterNode? Member)> _nodes = [];

    private TestCluster(string endpoint, string cluster)
    {
        Endpoint = endpoint;
        Cluster = cluster;
    }

    public string Endpoint { get; }

    public string Cluster { get; }

    public Sink Sink { get; } = new();

    public IReadOnlyList<ClusterNode> Members => [.. _nodes.Where(n => n.Member is not null).Select(n => n.Member!)];

    public static async Task<TestCluster> StartAsync(string endpoint, int nodes, int ttlSeconds = 3, Func<int, IReadOnlyDictionary<string, string>>? labels = null)
    {
        var cluster = new TestCluster(endpoint, "c" + Guid.NewGuid().ToString("N")[..8]);
        for (var i = 0; i < nodes; i++)
        {
            await cluster.AddAsync($"n{i}", ttlSeconds, labels?.Invoke(i));
        }

        await cluster.WaitForMembersAsync(nodes);
        return cluster;
    }

    public ClusterNode this[int index] => _nodes[index].Member!;

    public async Task<ClusterNode> AddAsync(string name, int ttlSeconds = 3, IReadOnlyDictionary<string, string>? labels = null, ClusterOptions? options = null)
    {
        var node = new Node(new NodeOptions { Name = $"{name}{Cluster}@127.0.0.1", LoggerFactory = new FileLog() });
        // Nodes leave these tests in order or lose their lease; the tick time only has to outlast a stall of the
        // shared test host (three nodes in one process on two cores), which 2 s did not always.
        var net = await NodeNetwork.StartAsync(node, new NetworkOptions { Cookie = "cluster-test-cookie-0123", TickTime = TimeSpan.FromSeconds(5) });
        ClusterNode member;
        try
        {
            member = await ClusterNode.JoinAsync(net, options ?? Options(ttlSeconds, labels));
        }
        catch
        {
            await net.DisposeAsync();
            await node.DisposeAsync();
            throw;
        }

        member.Expose("worker", () => new Worker(Sink));
        _nodes.Add((node, net, member));
        return member;
    }

    public ClusterOptions Options(int ttlSeconds, IReadOnlyDictionary<string, string>? labels = null) => new()
    {
        Endpoints = Endpoint,
        Cluster = Cluster,
        LeaseTtl = TimeSpan.FromSeconds(ttlSeconds),
        Labels = labels ?? new Dictionary<string, string>(),
    };

    /// <summary>Waits until every member sees <paramref name="count"/> members (on MemberUp messages, with a deadline).</summary>
    public async Task WaitForMembersAsync(int count)
    {
        foreach (var member in Members)
        {
            var sink = new Sink();
            var inbox = sink.Inbox(member.Node);
            member.MonitorMembers(inbox);
            if (member.Members.Count < count)
            {
                await sink.WaitForAsync<MemberUp>(_ => member.Members.Count >= count);
            }

            member.DemonitorMembers(inbox);
            Node.Exit(inbox, ExitReason.Kill);
        }
    }

    /// <summary>Leaves the cluster and the network (an orderly leave: the lease is revoked).</summary>
    public async Task LeaveAsync(int index)
    {
        var (node, net, member) = _nodes[index];
        _nodes[index] = (node, net, null);
        await member!.DisposeAsync();
        await net.DisposeAsync();
        await node.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (node, net, member) in _nodes)
        {
            if (member is not null)
            {
                await member.DisposeAsync();
                await net.DisposeAsync();
                await node.DisposeAsync();
            }
        }
    }
}

/// <summary>One process seen from two nodes of this test process: a local pid on one, a remote pid on the other.</summary>
public static class PidIdentity
{
    public static bool Same(Pid a, Pid b) => a.NodeName == b.NodeName && a.Id == b.Id;
}
