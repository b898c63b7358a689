namespace Trellis.Internal;

/// <summary>A child being stopped.</summary>
internal readonly record struct Stopping(ChildSpec Spec, Pid Pid, object? Id);

/// <summary>
/// The shutdown protocol (supervisor.erl's shutdown/2): monitor, then <c>shutdown</c> (or <c>kill</c> for brutal_kill),
/// wait the child's timeout, then <c>kill</c>. Several children are stopped in parallel with one deadline per distinct
/// shutdown value; a static supervisor stops one child at a time, in reverse start order.
/// </summary>
internal static class ChildShutdown
{
    /// <summary>Stops one child: the path of every static shutdown and group restart, kept free of collections.</summary>
    public static async ValueTask StopOneAsync(SupervisorServer supervisor, LocalProcess self, Stopping s)
    {
        var pid = s.Pid;
        self.Unlink(pid);
        self.RemoveAll(m => m is ExitMessage e && e.From == pid);
        var monitor = self.Monitor(pid);
        Predicate<object> isDown = m => m is DownMessage d && ReferenceEquals(d.Ref, monitor);
        var shutdown = s.Spec.EffectiveShutdown;
        var brutal = shutdown.Kind == ShutdownKind.BrutalKill;
        self.Exit(pid, brutal ? ExitReason.Kill : ExitReason.Shutdown);
        var wait = shutdown.Kind == ShutdownKind.Timeout ? shutdown.Timeout : Timeout.InfiniteTimeSpan;
        var down = await self.ReceiveAsync(isDown, brutal ? Timeout.InfiniteTimeSpan : wait).ConfigureAwait(false);
        if (down is null)
        {
            self.Exit(pid, ExitReason.Kill);
            down = await self.ReceiveAsync(isDown, Timeout.InfiniteTimeSpan).ConfigureAwait(false);
        }

        Report(supervisor, s, ((DownMessage)down!).Reason, brutal);
    }

    /// <summary>Stops several children in parallel (DynamicSupervisor and simple_one_for_one), one deadline per distinct shutdown value.</summary>
    public static async ValueTask StopManyAsync(SupervisorServer supervisor, LocalProcess self, List<Stopping> stopping)
    {
        if (stopping.Count <= 1)
        {
            if (stopping.Count == 1)
            {
                await StopOneAsync(supervisor, self, stopping[0]).ConfigureAwait(false);
            }

            return;
        }

        var time = supervisor.Node.TimeProvider;

        // Unlink first so a dying child sends only its DOWN; an EXIT that came before the unlink is dropped.
        var pids = new HashSet<Pid>(stopping.Count);
        foreach (var s in stopping)
        {
            self.Unlink(s.Pid);
            pids.Add(s.Pid);
        }

        self.RemoveAll(m => m is ExitMessage e && pids.Contains(e.From));

        var now = time.GetTimestamp();
        var pending = new Dictionary<MonitorRef, int>(stopping.Count);
        var deadlines = new long[stopping.Count];
        var killed = new bool[stopping.Count];
        var distinct = new SortedSet<long>();
        for (var i = 0; i < stopping.Count; i++)
        {
            var s = stopping[i];
            pending[self.Monitor(s.Pid)] = i;
            var shutdown = s.Spec.EffectiveShutdown;
            deadlines[i] = long.MaxValue;
            if (shutdown.Kind == ShutdownKind.BrutalKill)
            {
                killed[i] = true;
                self.Exit(s.Pid, ExitReason.Kill);
                continue;
            }

            self.Exit(s.Pid, ExitReason.Shutdown);
            if (shutdown.Kind == ShutdownKind.Timeout)
            {
                deadlines[i] = now + (long)(shutdown.Timeout.TotalSeconds * time.TimestampFrequency);
                distinct.Add(deadlines[i]);
            }
        }

        Predicate<object> isDown = m => m is DownMessage d && pending.ContainsKey(d.Ref);
        using var next = distinct.GetEnumerator();
        var hasDeadline = next.MoveNext();
        while (pending.Count > 0)
        {
            var wait = Timeout.InfiniteTimeSpan;
            if (hasDeadline)
            {
                var left = time.GetElapsedTime(time.GetTimestamp(), next.Current);
                wait = left > TimeSpan.Zero ? left : TimeSpan.Zero;
            }

            if (await self.ReceiveAsync(isDown, wait).ConfigureAwait(false) is DownMessage down)
            {
                var i = pending[down.Ref];
                pending.Remove(down.Ref);
                var s = stopping[i];
                Report(supervisor, s, down.Reason, killed[i] && s.Spec.EffectiveShutdown.Kind == ShutdownKind.BrutalKill);
                continue;
            }

            var limit = next.Current;
            hasDeadline = next.MoveNext();
            foreach (var (_, i) in pending)
            {
                if (!killed[i] && deadlines[i] <= limit)
                {
                    killed[i] = true;
                    self.Exit(stopping[i].Pid, ExitReason.Kill);
                }
            }
        }
    }

    private static void Report(SupervisorServer supervisor, Stopping s, ExitReason reason, bool brutal)
    {
        if (!RestartPolicy.IsExpectedShutdownReason(s.Spec.Restart, reason, brutal))
        {
            supervisor.Node.Log.ShutdownError(supervisor.Name, s.Id, s.Pid, reason);
        }
    }
}
