namespace Trellis.Examples.Apps;

/// <summary>The example's three programs: the demo, a crashing application, and a durable-store writer.</summary>
public static class AppsDemo
{
    /// <summary>
    /// Runs KV as an application: buckets through the registry, a crashing task seen as a DOWN, sessions that come back
    /// after their supervisor restarts and after a new node opens the same store.
    /// </summary>
    /// <param name="output">Where to write.</param>
    /// <param name="storePath">The sessions' store file (deleted at the end).</param>
    /// <returns>0 when every step behaved as expected.</returns>
    public static async Task<int> RunAsync(TextWriter output, string storePath)
    {
        ArgumentNullException.ThrowIfNull(output);
        var ok = true;
        try
        {
            await using (var node = new Node())
            {
                using var store = new FileChildStore(storePath);
                await using var apps = await ApplicationController.CreateAsync(node);
                await apps.LoadAsync(KvApplication.Spec(store));
                var (started, list) = await apps.EnsureAllStartedAsync("kv", ApplicationStartType.Permanent);
                output.WriteLine($"ensure_all_started(kv) -> {started} {string.Join(",", list)}");

                var shopping = await KvApplication.CreateAsync(node, "shopping");
                await Agent.UpdateAsync<Dictionary<string, int>>(shopping, d => { d["milk"] = 1; return d; });
                output.WriteLine($"lookup shopping -> {KvApplication.Lookup(node, "shopping")}; milk = {await Agent.GetAsync<Dictionary<string, int>, int>(shopping, d => d["milk"])}");
                Node.Exit(shopping, ExitReason.Kill);
                await Node.WaitForExitAsync(shopping);
                var gone = KvApplication.Lookup(node, "shopping");
                output.WriteLine($"bucket killed; lookup shopping -> {(gone.IsNone ? ":error" : gone.ToString())}");
                ok &= gone.IsNone;

                // A task that crashes is a DOWN to its caller, which lives on.
                var caller = node.Spawn(async ctx =>
                {
                    var task = await TaskSupervisor.RunNolinkAsync(ctx, node.WhereIs(KvApplication.TaskSupervisorName), _ => throw new InvalidOperationException("bad input"));
                    var outcome = await task.YieldAsync(ctx, TimeSpan.FromSeconds(5));
                    output.WriteLine($"async_nolink crashing task -> {outcome}; caller alive");
                    var good = await TaskSupervisor.RunNolinkAsync(ctx, node.WhereIs(KvApplication.TaskSupervisorName), _ => new ValueTask<object?>(6 * 7));
                    output.WriteLine($"async_nolink + await -> {await good.AwaitAsync(ctx)}");
                });
                ok &= (await Node.WaitForExitAsync(caller)).IsNormal;

                // Durable sessions: recorded on disk, back after their supervisor is killed.
                var sessions = node.WhereIs(KvApplication.SessionSupervisor);
                foreach (var user in new[] { "ada", "grace" })
                {
                    await DynamicSupervisor.StartChildAsync(sessions, KvApplication.SessionSpec(user));
                }

                Node.Exit(sessions, ExitReason.Kill);
                await Node.WaitForExitAsync(sessions);
                await Supervisor.CountChildrenAsync(node.WhereIs("KV.Supervisor"));
                var back = await DynamicSupervisor.CountChildrenAsync(node.WhereIs(KvApplication.SessionSupervisor));
                output.WriteLine($"session supervisor killed and restarted -> {back.Active} sessions back; session:ada -> {Registry.WhereIs(node, KvApplication.Registry, "session:ada")}");
                ok &= back.Active == 2;
                var stop = await apps.StopNodeAsync();
                output.WriteLine($"init:stop -> {stop}");
            }

            // A new node on the same store: the sessions come back in a new tree, as after an OS process restart.
            await using (var node = new Node())
            {
                using var store = new FileChildStore(storePath);
                await using var apps = await ApplicationController.CreateAsync(node);
                await apps.LoadAsync(KvApplication.Spec(store));
                await apps.StartAsync("kv", ApplicationStartType.Permanent);
                var back = await DynamicSupervisor.CountChildrenAsync(node.WhereIs(KvApplication.SessionSupervisor));
                var grace = Registry.WhereIs(node, KvApplication.Registry, "session:grace");
                output.WriteLine($"new node, same store -> {back.Active} sessions back; session:grace holds {await Agent.GetAsync<string, string>(grace, s => s)}");
                ok &= back.Active == 2;
            }
        }
        finally
        {
            File.Delete(storePath);
        }

        return ok ? 0 : 1;
    }

    /// <summary>Starts kv with <paramref name="type"/>, kills its top supervisor, and exits as the node does.</summary>
    /// <param name="output">Where to write.</param>
    /// <param name="type">permanent, transient or temporary.</param>
    /// <returns>The node's exit code: 1 when the application's death stopped the node, else 0.</returns>
    public static async Task<int> CrashAsync(TextWriter output, string type)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!Enum.TryParse<ApplicationStartType>(type, ignoreCase: true, out var startType))
        {
            await Console.Error.WriteLineAsync($"crash: unknown start type '{type}' (permanent, transient or temporary)");
            return 100;
        }

        await using var node = new Node();
        await using var apps = await ApplicationController.CreateAsync(node);
        await apps.LoadAsync(KvApplication.Spec(new MemoryChildStore()));
        await apps.StartAsync("kv", startType);
        var top = (await apps.WhichApplicationsAsync()).Single().TopSupervisor;
        Node.Exit(top, ExitReason.Kill);
        await Node.WaitForExitAsync(top);
        // The controller handles the top supervisor's DOWN before it answers the next call: once kv is gone from its
        // list, Stopped is already complete if kv's start type stopped the node.
        await WhenGone(apps);
        if (apps.Stopped.IsCompleted)
        {
            var stop = await apps.Stopped;
            output.WriteLine($"Kernel pid terminated (application_controller) ({stop})");
            return stop.ExitCode;
        }

        output.WriteLine("kv exited; the node carries on");
        return 0;
    }

    /// <summary>Starts durable children one after another forever, printing "acked N" after each start returns.</summary>
    /// <param name="output">Where to write.</param>
    /// <param name="path">The store file.</param>
    /// <returns>Never returns normally; killed by the test.</returns>
    public static async Task<int> DurableWriterAsync(TextWriter output, string path)
    {
        ArgumentNullException.ThrowIfNull(output);
        await using var node = new Node();
        using var store = new FileChildStore(path);
        var sup = await DynamicSupervisor.StartAsync(node, new DynamicSupervisorOptions
        {
            Durable = new DurableChildren { Store = store, Rebuild = s => Child((int)s.Arguments[0]!) },
        });
        output.WriteLine($"restored {(await DynamicSupervisor.CountChildrenAsync(sup.Pid)).Active}");
        output.Flush();
        for (var n = 0; ; n++)
        {
            var started = await DynamicSupervisor.StartChildAsync(sup.Pid, Child(n));
            if (!started.IsOk)
            {
                await Console.Error.WriteLineAsync($"start_child {n}: {started}");
                return 1;
            }

            output.WriteLine($"acked {n}");
            output.Flush();
        }
    }

    /// <summary>A durable child of the writer: an agent holding its number.</summary>
    /// <param name="n">Its number.</param>
    /// <returns>The spec.</returns>
    public static ChildSpec Child(int n) => new()
    {
        Id = "n",
        Arguments = [n, new string('x', n % 300)],
        Start = (sup, args) => Agent.StartLinkAsync(sup, () => args[0]),
    };

    /// <summary>Completes once the controller shows no running application (the temporary case).</summary>
    private static async Task WhenGone(ApplicationController apps)
    {
        while ((await apps.WhichApplicationsAsync()).Count > 0)
        {
            await Task.Yield();
        }
    }
}
