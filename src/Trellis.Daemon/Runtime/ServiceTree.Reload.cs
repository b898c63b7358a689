using Trellis.Daemon.Config;

namespace Trellis.Daemon.Runtime;

/// <summary>
/// Reload: applies the difference between the running tree and a new tree file. Removed nodes stop and are deleted,
/// changed ones restart with their new settings, added ones start, and untouched ones are not touched at all (same
/// pid). A changed node keeps its place among its siblings when only what it runs changed; when its restart type,
/// shutdown or significance changed, its supervisor needs a new child spec, so it is started again after its
/// siblings. An added node starts after its running siblings; both take their file position at the next start of
/// their supervisor.
/// </summary>
internal sealed partial class ServiceTree
{
    public Task<CommandResult> ReloadAsync(DaemonConfig next) => RunAsync(() => ReloadCoreAsync(next));

    private async Task<CommandResult> ReloadCoreAsync(DaemonConfig next)
    {
        if (Cluster is not null)
        {
            return CommandResult.Failed("reload is not available in cluster mode: every daemon of the cluster must run the same file; restart the daemons one at a time with the new file (each hands its services over)");
        }

        var notes = new List<string>();
        if (next.StateDir != Config.StateDir || next.Socket != Config.Socket || next.Dashboard != Config.Dashboard
            || next.RunitStatus != Config.RunitStatus || next.Logs != Config.Logs || next.Admins != Config.Admins
            || next.Cgroups != Config.Cgroups || next.SampleInterval != Config.SampleInterval)
        {
            notes.Add("state_dir, socket, admins, dashboard, status_layout, logs, cgroups and sample_interval settings apply at the next `trellis up`");
        }

        if (!((SupervisorConfig)Root.Config).SameFlags(next.Root) || Root.Name != next.Root.Name)
        {
            notes.Add("the root supervisor's name and flags apply at the next `trellis up`");
        }

        var counts = new int[3];
        await ReconcileAsync(Root, next.Root, notes, counts).ConfigureAwait(false);
        Root.Config = ((SupervisorConfig)Root.Config) with { Children = next.Root.Children };
        Config = Config with { Root = (SupervisorConfig)Root.Config, File = next.File };

        // A service may have gained a restart_on_memory: the sampler looks again.
        Sampler.Wake();
        var summary = $"reloaded: {counts[0]} added, {counts[1]} changed, {counts[2]} removed";
        Events.Add(Root.Name, "reload", summary);
        return CommandResult.Done(notes.Count == 0 ? summary : summary + Environment.NewLine + string.Join(Environment.NewLine, notes.Select(n => "note: " + n)));
    }

    private async Task ReconcileAsync(TreeNode sup, SupervisorConfig next, List<string> notes, int[] counts)
    {
        var wanted = next.Children.ToDictionary(c => c.Name, StringComparer.Ordinal);

        // Removed, or become another kind of node: stopped and deleted, last first.
        foreach (var child in sup.Children.AsEnumerable().Reverse().ToList())
        {
            if (!wanted.TryGetValue(child.Name, out var w) || w.Kind != child.Config.Kind)
            {
                await RemoveAsync(sup, child).ConfigureAwait(false);
                counts[2]++;
            }
        }

        foreach (var want in next.Children)
        {
            var existing = sup.Children.Find(c => c.Name == want.Name);
            if (existing is null)
            {
                var errors = new List<string>();
                var node = Build(want, sup, errors);
                if (errors.Count > 0)
                {
                    Release(node);
                    notes.Add($"{want.Name} was not added: {string.Join("; ", errors)}");
                    continue;
                }

                lock (ModelLock)
                {
                    sup.Children.Insert(Math.Min(next.Children.ToList().IndexOf(want), sup.Children.Count), node);
                }

                counts[0]++;
                if (!sup.Pid.IsNone)
                {
                    var r = await Supervisor.StartChildAsync(sup.Pid, SpecFor(node)).ConfigureAwait(false);
                    if (!r.IsOk)
                    {
                        notes.Add($"{want.Name} was added but did not start: {Describe(r)}");
                    }
                }

                continue;
            }

            if (want is SupervisorConfig wantSup && existing.Config is SupervisorConfig haveSup)
            {
                if (haveSup.SameFlags(wantSup))
                {
                    await ReconcileAsync(existing, wantSup, notes, counts).ConfigureAwait(false);
                    existing.Config = haveSup with { Children = wantSup.Children, At = wantSup.At };
                    continue;
                }

                // New flags: the supervisor and its subtree start again with them.
                await RemoveAsync(sup, existing).ConfigureAwait(false);
                var errors = new List<string>();
                var rebuilt = Build(want, sup, errors);
                lock (ModelLock)
                {
                    sup.Children.Insert(Math.Min(next.Children.ToList().IndexOf(want), sup.Children.Count), rebuilt);
                }

                counts[1]++;
                if (errors.Count == 0 && !sup.Pid.IsNone)
                {
                    await Supervisor.StartChildAsync(sup.Pid, SpecFor(rebuilt)).ConfigureAwait(false);
                }
                else if (errors.Count > 0)
                {
                    notes.Add($"{want.Name} was not restarted: {string.Join("; ", errors)}");
                }

                continue;
            }

            var same = (want, existing.Config) switch
            {
                (ServiceConfig a, ServiceConfig b) => a.SameAs(b),
                (DotnetConfig a, DotnetConfig b) => a.SameAs(b),
                _ => false,
            };
            if (same)
            {
                continue;
            }

            counts[1]++;
            var newSpec = want.Restart != existing.Config.Restart || want.Shutdown != existing.Config.Shutdown || want.Significant != existing.Config.Significant;
            var wasUp = !existing.Pid.IsNone || !existing.StopRequested;
            if (newSpec)
            {
                await StopNodeCoreAsync(existing).ConfigureAwait(false);
                if (!sup.Pid.IsNone)
                {
                    await Supervisor.DeleteChildAsync(sup.Pid, existing.Name).ConfigureAwait(false);
                }

                existing.Config = want;
                if (wasUp && !sup.Pid.IsNone)
                {
                    existing.StopRequested = false;
                    existing.MarkOperatorStart();
                    await Supervisor.StartChildAsync(sup.Pid, SpecFor(existing)).ConfigureAwait(false);
                }
            }
            else
            {
                var running = !existing.Pid.IsNone;
                if (running)
                {
                    await StopNodeCoreAsync(existing).ConfigureAwait(false);
                }

                existing.Config = want;
                if (running)
                {
                    await StartNodeCoreAsync(existing).ConfigureAwait(false);
                }
            }
        }
    }

    private async Task RemoveAsync(TreeNode sup, TreeNode child)
    {
        foreach (var n in child.SelfAndDescendants())
        {
            n.StopRequested = true;
            n.CancelStart();
        }

        if (!sup.Pid.IsNone)
        {
            await Supervisor.TerminateChildAsync(sup.Pid, child.Name).ConfigureAwait(false);
            await Supervisor.DeleteChildAsync(sup.Pid, child.Name).ConfigureAwait(false);
        }

        await Task.WhenAll(child.SelfAndDescendants().SelectMany(n => n.Watches())).ConfigureAwait(false);
        lock (ModelLock)
        {
            sup.Children.Remove(child);
        }

        Release(child);
        Events.Add(child.Name, "removed", "removed by reload");
    }
}
