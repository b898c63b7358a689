using Trellis.OsProcess.Internal;

namespace Trellis.OsProcess;

/// <summary>
/// Operating-system programs as children of Trellis supervisors, next to in-process children. The child's exit reason
/// is the program's exact status: <c>normal</c> for exit 0, <c>{exit_code,N}</c>, or <c>{signal,N}</c> with
/// <c>core_dumped</c> when a core was written; so restart types work on programs as they do on processes.
/// </summary>
public static class ProgramChild
{
    /// <summary>
    /// A child spec for <paramref name="program"/>: permanent, worker, five-second shutdown (the stop signal to the
    /// process group, then SIGKILL to the group when the time is up; brutal_kill sends SIGKILL at once).
    /// </summary>
    /// <param name="id">The child's id.</param>
    /// <param name="program">The program.</param>
    /// <param name="time">The clock for the program's bookkeeping; the system clock when null.</param>
    /// <returns>The spec; set <c>Restart</c> and <c>Shutdown</c> with <c>with</c>.</returns>
    public static ChildSpec Spec(object id, ProgramSpec program, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(program);
        return new ChildSpec
        {
            Id = id,
            Start = (sup, _) => StartLinkAsync(sup, program, time),
            Modules = [program.FileName],
        };
    }

    /// <summary>Starts <paramref name="program"/> as a child linked to <paramref name="parent"/>.</summary>
    /// <param name="parent">The linking process, usually a supervisor.</param>
    /// <param name="program">The program.</param>
    /// <param name="time">The clock; the system clock when null.</param>
    /// <param name="cancellationToken">Stops waiting for the start: the starting process is killed and the call throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>
    /// <c>{ok, Pid, OsPid}</c> with the program's operating-system pid (an <see cref="int"/>) as the info, or
    /// <c>{error, {spawn_failed, Errno, Path}}</c> (a <see cref="SpawnFailure"/>).
    /// </returns>
    public static async ValueTask<StartResult> StartLinkAsync(ProcessContext parent, ProgramSpec program, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(program);
        var clock = time ?? TimeProvider.System;
        ProgramServer? server = null;
        var result = await GenServer.StartLinkAsync(parent, () => server = new ProgramServer(program, clock), cancellationToken: cancellationToken).ConfigureAwait(false);
        return WithOsPid(result, server);
    }

    /// <summary>Starts <paramref name="program"/> as an unlinked process on <paramref name="node"/>.</summary>
    /// <param name="node">The node.</param>
    /// <param name="program">The program.</param>
    /// <param name="time">The clock; the system clock when null.</param>
    /// <param name="cancellationToken">Stops waiting for the start: the starting process is killed and the call throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The start result, as for <see cref="StartLinkAsync"/>.</returns>
    public static async ValueTask<StartResult> StartAsync(Node node, ProgramSpec program, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(program);
        var clock = time ?? TimeProvider.System;
        ProgramServer? server = null;
        var result = await GenServer.StartAsync(node, () => server = new ProgramServer(program, clock), cancellationToken: cancellationToken).ConfigureAwait(false);
        return WithOsPid(result, server);
    }

    // init runs before the start returns, so the server knows its program's pid by then, even if the program has
    // already exited: it comes back as the start's info (<c>{ok, Pid, OsPid}</c>).
    private static StartResult WithOsPid(StartResult result, ProgramServer? server) =>
        result.IsOk && server is not null ? StartResult.Ok(result.Pid, server.OsPid) : result;

    /// <summary>The operating-system pid of the program a child runs; 0 when it has exited.</summary>
    /// <param name="child">The program child.</param>
    /// <param name="timeout">How long to wait for the answer.</param>
    /// <returns>The pid.</returns>
    public static async ValueTask<int> GetOsPidAsync(Pid child, TimeSpan? timeout = null) =>
        await GenServer.CallAsync<int>(child, ProgramQuery.OsPid, timeout).ConfigureAwait(false);

    /// <summary>
    /// The operating-system pid of the program a child runs, once it is spawned: at once, or when a
    /// <see cref="ProgramSpec.StartDelay"/> is up.
    /// </summary>
    /// <param name="child">The program child.</param>
    /// <param name="timeout">How long to wait; infinite when null.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The pid (the program may have exited since).</returns>
    /// <exception cref="CallException">The child ended before it spawned anything (shut down in its delay, or its spawn failed: the reason says which).</exception>
    public static async ValueTask<int> WaitSpawnedAsync(Pid child, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        await GenServer.CallAsync<int>(child, ProgramQuery.Spawned, timeout ?? Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);

    /// <summary>Sends <paramref name="signal"/> to the program, or with <paramref name="group"/> to its whole process group.</summary>
    /// <param name="child">The program child.</param>
    /// <param name="signal">The signal number (see <see cref="Signals"/>).</param>
    /// <param name="group">Whether to signal the whole process group.</param>
    /// <param name="timeout">How long to wait for the answer.</param>
    /// <returns>True if the signal was delivered.</returns>
    public static async ValueTask<bool> SignalAsync(Pid child, int signal, bool group = false, TimeSpan? timeout = null) =>
        await GenServer.CallAsync<bool>(child, new SignalRequest(signal, group), timeout).ConfigureAwait(false);
}
