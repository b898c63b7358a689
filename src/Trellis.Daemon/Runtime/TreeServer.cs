namespace Trellis.Daemon.Runtime;

/// <summary>
/// The daemon's command loop, on its own engine: a GenServer that runs the operator's commands one at a time in
/// arrival order. A command from the API or the CLI is a call (its caller waits for the result); a control byte from
/// a service's FIFO is a cast (nobody waits; its outcome goes to the service's log).
/// </summary>
internal sealed class TreeServer : GenServer
{
    protected override async ValueTask<ServerResult> HandleCallAsync(object request, From from)
    {
        if (request is not Command command)
        {
            return Reply(CommandResult.Failed("unknown request"));
        }

        return Reply(await RunAsync(command).ConfigureAwait(false));
    }

    protected override async ValueTask<ServerResult> HandleCastAsync(object request)
    {
        if (request is Control control)
        {
            var result = await RunAsync(control.Command).ConfigureAwait(false);
            control.Node.Log?.Daemon("control: " + result.Message);
        }

        return NoReply();
    }

    /// <summary>
    /// Runs a command; a failure is its result, so one bad command never stops the loop: an exception nobody expected
    /// (a bug) is answered with its type and message, and every later command still runs.
    /// </summary>
    private static async Task<CommandResult> RunAsync(Command command)
    {
        command.Begin();
        try
        {
            return await command.Run().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is CallException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            return CommandResult.Failed(ex.Message);
        }
        catch (Exception ex) when (ex is not ProcessExitedException)
        {
            return CommandResult.Failed($"the command failed unexpectedly ({ex.GetType().Name}): {ex.Message}");
        }
    }

    /// <summary>A command, and what runs as it begins (a control gate's <c>Taken</c>), exactly once, run or refused.</summary>
    public sealed class Command(Func<Task<CommandResult>> run, Action? onStart)
    {
        private int _begun;

        public Func<Task<CommandResult>> Run { get; } = run;

        /// <summary>Marks it begun; the first call runs <c>onStart</c>.</summary>
        public void Begin()
        {
            if (Interlocked.Exchange(ref _begun, 1) == 0)
            {
                onStart?.Invoke();
            }
        }
    }

    /// <summary>A control byte's command, for a service.</summary>
    public sealed record Control(Command Command, TreeNode Node);
}
