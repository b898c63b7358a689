using System.Runtime.CompilerServices;

namespace Trellis.Internal;

/// <summary>
/// Elixir's <c>Task.Supervisor.async_stream</c>, run by the owner process itself: at most MaxConcurrency tasks under
/// the supervisor, each with its own deadline; results in input order or as they finish. A task that replied has
/// succeeded whatever its DOWN says; one that went down first yields <c>{exit, Reason}</c>; one past its deadline is
/// unlinked and killed, and then either ends the caller or yields <c>{exit, timeout}</c>. Leaving the stream early
/// (break, an exception, cancellation) kills the tasks still running and drops their messages.
/// </summary>
internal static class TaskStream
{
    public static async IAsyncEnumerable<TaskOutcome> RunAsync<T>(
        ProcessContext owner,
        Pid supervisor,
        IEnumerable<T> items,
        Func<ProcessContext, T, ValueTask<object?>> work,
        AsyncStreamOptions options,
        bool link,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var time = owner.Node.TimeProvider;
        var running = new Dictionary<MonitorRef, Running>();
        var ready = new Ready(options.Ordered);
        var cancelled = new object();
        using var registration = cancellationToken.CanBeCanceled ? cancellationToken.Register(() => owner.Self.Send(cancelled)) : default;
        using var input = items.GetEnumerator();
        var more = true;
        var spawned = 0;
        try
        {
            while (true)
            {
                while (more && running.Count < options.MaxConcurrency)
                {
                    more = input.MoveNext();
                    if (more)
                    {
                        var item = input.Current;
                        var task = await TaskSupervisor.StartTaskAsync(owner, supervisor, ctx => work(ctx, item), options.Shutdown, link).ConfigureAwait(false);
                        var deadline = options.Timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : time.GetTimestamp() + (long)(options.Timeout.TotalSeconds * time.TimestampFrequency);
                        running[task.Ref] = new Running(task, spawned++, deadline);
                    }
                }

                while (ready.TryTake(out var next))
                {
                    yield return next;
                }

                if (running.Count == 0 && !more)
                {
                    yield break;
                }

                var message = await owner.ReceiveAsync(m => ReferenceEquals(m, cancelled) || IsFor(running, m), Wait(time, running)).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                switch (message)
                {
                    case TaskReply reply when running.Remove(reply.Ref, out var r):
                        owner.Demonitor(reply.Ref, flush: true);
                        ready.Add(r.Position, TaskOutcome.Ok(reply.Result));
                        break;
                    case DownMessage down when running.Remove(down.Ref, out var r):
                        if (r.TimedOut && options.OnTimeout == StreamTimeout.Exit)
                        {
                            throw new ExitException(ExitReason.Of(new ErrorTerm("timeout", Terms.TupleTerm(new Atom("Task.Supervised"), new Atom("stream"), new[] { (long)options.Timeout.TotalMilliseconds }))));
                        }

                        ready.Add(r.Position, TaskOutcome.Exit(r.TimedOut ? ExitReason.Timeout : down.Reason));
                        break;
                    case null:
                        KillOverdue(owner, time, running);
                        break;
                }
            }
        }
        finally
        {
            Stop(owner, running, cancelled);
        }
    }

    private static bool IsFor(Dictionary<MonitorRef, Running> running, object message) => message switch
    {
        TaskReply reply => running.ContainsKey(reply.Ref),
        DownMessage down => running.ContainsKey(down.Ref),
        _ => false,
    };

    /// <summary>Until the earliest deadline of a task that has not yet been killed for its timeout.</summary>
    private static TimeSpan Wait(TimeProvider time, Dictionary<MonitorRef, Running> running)
    {
        var earliest = long.MaxValue;
        foreach (var r in running.Values)
        {
            if (!r.TimedOut && r.Deadline < earliest)
            {
                earliest = r.Deadline;
            }
        }

        if (earliest == long.MaxValue)
        {
            return Timeout.InfiniteTimeSpan;
        }

        var left = time.GetElapsedTime(time.GetTimestamp(), earliest);
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    private static void KillOverdue(ProcessContext owner, TimeProvider time, Dictionary<MonitorRef, Running> running)
    {
        var now = time.GetTimestamp();
        foreach (var r in running.Values)
        {
            if (!r.TimedOut && r.Deadline <= now)
            {
                r.TimedOut = true;
                Kill(owner, r.Task);
            }
        }
    }

    /// <summary>The stream is left: every task still running is killed, and its reply and DOWN are dropped.</summary>
    private static void Stop(ProcessContext owner, Dictionary<MonitorRef, Running> running, object cancelled)
    {
        foreach (var r in running.Values)
        {
            Kill(owner, r.Task);
            owner.Demonitor(r.Task.Ref, flush: true);
        }

        var refs = running.Keys.ToHashSet();
        ((LocalProcess)owner).RemoveAll(m => ReferenceEquals(m, cancelled) || (m is TaskReply reply && refs.Contains(reply.Ref)));
        running.Clear();
    }

    private static void Kill(ProcessContext owner, SupervisedTask task)
    {
        if (task.Linked)
        {
            owner.Unlink(task.Pid);
        }

        owner.Exit(task.Pid, ExitReason.Kill);
    }

    private sealed class Running(SupervisedTask task, int position, long deadline)
    {
        public SupervisedTask Task { get; } = task;

        public int Position { get; } = position;

        public long Deadline { get; } = deadline;

        public bool TimedOut { get; set; }
    }

    /// <summary>Finished results waiting to be handed out: by position when ordered, in the order they finished otherwise.</summary>
    private sealed class Ready(bool ordered)
    {
        private readonly Dictionary<int, TaskOutcome> _byPosition = [];
        private readonly Queue<TaskOutcome> _finished = new();
        private int _next;

        public void Add(int position, TaskOutcome outcome)
        {
            if (ordered)
            {
                _byPosition.Add(position, outcome);
            }
            else
            {
                _finished.Enqueue(outcome);
            }
        }

        public bool TryTake([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TaskOutcome? outcome)
        {
            if (ordered ? _byPosition.Remove(_next, out outcome) : _finished.TryDequeue(out outcome))
            {
                _next++;
                return true;
            }

            return false;
        }
    }
}
