using System.Globalization;

namespace Trellis.Hosting.AspNetCore.Observer;

/// <summary>
/// The Observer's view of a node: its supervision trees (each supervisor asked which_children, with a bound, so a busy
/// one is shown as busy rather than holding the page) and every other process beside them.
/// </summary>
internal static class ObserverSnapshot
{
    private static readonly TimeSpan AskFor = TimeSpan.FromSeconds(1);

    public static async Task<object> TakeAsync(Node node, CancellationToken cancellationToken)
    {
        var processes = node.GetProcesses();
        var byId = processes.ToDictionary(p => p.Pid.Id);
        var registries = node.RegistryNames.Order(StringComparer.Ordinal).ToArray();
        // Every supervisor is asked at once, so a page of many busy ones still answers within the one-second bound.
        var supervisors = processes.Where(IsSupervisor).ToList();
        var answers = await Task.WhenAll(supervisors.Select(p => WhichChildrenAsync(p.Pid, cancellationToken))).ConfigureAwait(false);
        var children = new Dictionary<long, (IReadOnlyList<ChildInfo>? Children, bool Busy)>();
        for (var i = 0; i < supervisors.Count; i++)
        {
            children[supervisors[i].Pid.Id] = answers[i];
        }

        // A supervisor that is some supervisor's child is in that tree; the others are roots.
        var childOf = new HashSet<long>(children.Values.SelectMany(c => c.Children ?? []).Where(c => !c.Pid.IsNone).Select(c => c.Pid.Id));
        var placed = new HashSet<long>();
        var trees = processes.Where(p => IsSupervisor(p) && !childOf.Contains(p.Pid.Id)).Select(p => Build(p, null)).ToList();
        var others = processes.Where(p => !placed.Contains(p.Pid.Id)).Select(p => View(p, null)).ToList();
        return new { node = node.Name, processes = processes.Count, tracked = node.TracksProcesses, trees, others };

        ObservedProcess Build(ProcessInfo p, ChildInfo? asChild)
        {
            placed.Add(p.Pid.Id);
            var view = View(p, asChild);
            if (!children.TryGetValue(p.Pid.Id, out var kids))
            {
                return view;
            }

            var list = new List<ObservedProcess>();
            // which_children lists a static supervisor's children newest first; the page shows start order. A dynamic
            // supervisor's children have none, so they go by pid, which is the order they were started in.
            var ordered = p.Behaviour == "dynamic_supervisor"
                ? (kids.Children ?? []).OrderBy(c => c.Pid.IsNone ? long.MaxValue : c.Pid.Id)
                : (kids.Children ?? []).Reverse();
            foreach (var c in ordered)
            {
                if (!c.Pid.IsNone && byId.TryGetValue(c.Pid.Id, out var child) && !placed.Contains(c.Pid.Id))
                {
                    list.Add(Build(child, c));
                }
                else
                {
                    list.Add(new ObservedProcess
                    {
                        Id = Id(c.Id),
                        Behaviour = c.Type == ChildType.Supervisor ? "supervisor" : null,
                        Status = c.Status.ToString().ToLowerInvariant(),
                        Restarts = c.Restarts,
                        LastExit = c.LastExitReason?.ToString(),
                    });
                }
            }

            return view with { Children = list, Busy = kids.Busy };
        }

        ObservedProcess View(ProcessInfo p, ChildInfo? asChild) => new()
        {
            Pid = p.Pid.ToString(),
            Number = p.Pid.Id,
            Id = asChild is null ? null : Id(asChild.Id),
            Name = p.RegisteredName,
            Via = [.. registries.SelectMany(r => Registry.Keys(node, r, p.Pid).Select(k => r + ": " + Convert.ToString(k, CultureInfo.InvariantCulture)))],
            Behaviour = p.Behaviour,
            Mailbox = p.MessageQueueLength,
            Handled = p.MessagesReceived,
            TrapExit = p.TrapExit,
            Links = [.. p.Links.Select(l => l.ToString())],
            MonitoredBy = p.MonitoredBy,
            Restarts = asChild?.Restarts,
            LastExit = asChild?.LastExitReason?.ToString(),
        };
    }

    private static bool IsSupervisor(ProcessInfo p) => p.Behaviour is "supervisor" or "dynamic_supervisor";

    private static string? Id(object? id) => id is null ? null : Convert.ToString(id, CultureInfo.InvariantCulture);

    private static async Task<(IReadOnlyList<ChildInfo>?, bool)> WhichChildrenAsync(Pid supervisor, CancellationToken cancellationToken)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(AskFor);
        try
        {
            return (await Supervisor.WhichChildrenAsync(supervisor, bound.Token).ConfigureAwait(false), false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, true);
        }
        catch (CallException)
        {
            // It ended since the snapshot: shown without children.
            return (null, false);
        }
    }
}
