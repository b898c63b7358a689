using Trellis.Testing;

namespace Trellis.Tests.Fakes;

/// <summary>A node for one test, and helpers to wait with deadlines.</summary>
public sealed class Probe : IAsyncDisposable
{
    public Probe(bool manualTime = false, string name = "trellis", Microsoft.Extensions.Logging.ILoggerFactory? logging = null)
    {
        Time = manualTime ? new TestClock() : null;
        Node = new Node(new NodeOptions { Name = name, TimeProvider = (TimeProvider?)Time ?? TimeProvider.System, LoggerFactory = logging });
    }

    public Node Node { get; }

    public TestClock? Time { get; }

    public EventLog Log { get; } = new();

    public static TimeSpan Deadline { get; } = TimeSpan.FromSeconds(10);

    public async Task<Pid> StartSupervisorAsync(SupervisorFlags flags, params ChildSpec[] children)
    {
        var result = await Supervisor.StartAsync(Node, children, flags);
        Assert.True(result.IsOk, "supervisor start: " + result);
        return result.Pid;
    }

    public static async Task<ExitReason> ExitOf(Pid pid) => await Node.WaitForExitAsync(pid).WaitAsync(Deadline);

    public static async Task<Pid> ChildPid(Pid supervisor, object id)
    {
        var children = await Supervisor.WhichChildrenAsync(supervisor);
        return children.Single(c => Equals(c.Id, id)).Pid;
    }

    /// <summary>Kills a child and waits until the supervisor has handled the exit (a call queues behind the EXIT).</summary>
    public static async Task<ExitReason> KillAndSync(Pid supervisor, Pid child, ExitReason? reason = null)
    {
        Node.Exit(child, reason ?? ExitReason.Kill);
        var exit = await ExitOf(child);
        if (supervisor.IsAlive)
        {
            try
            {
                await Supervisor.CountChildrenAsync(supervisor);
            }
            catch (CallException)
            {
                // The supervisor gave up meanwhile.
            }
        }

        return exit;
    }

    public ValueTask DisposeAsync() => Node.DisposeAsync();
}
