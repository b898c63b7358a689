using Trellis;
using Trellis.Examples.KV;

return await KvDemo.RunAsync(Console.Out);

namespace Trellis.Examples.KV
{
    /// <summary>Seed 003's tree: one_for_all over the bucket supervisor and the registry.</summary>
    public static class KvDemo
    {
        /// <summary>KV.Supervisor's children, in start order: the bucket supervisor first, since the registry calls it.</summary>
        /// <returns>The specs.</returns>
        public static IReadOnlyList<ChildSpec> Children() =>
        [
            ChildSpec.ForDynamicSupervisor(KvRegistry.BucketSupervisor, new DynamicSupervisorOptions { Name = KvRegistry.BucketSupervisor }),
            ChildSpec.ForServer("KV.Registry", () => new KvRegistry(), name: "KV.Registry"),
        ];

        /// <summary>Starts KV.Supervisor (one_for_all) on <paramref name="node"/>.</summary>
        /// <param name="node">The node.</param>
        /// <returns>The supervisor's pid.</returns>
        public static async Task<Pid> StartAsync(Node node)
        {
            ArgumentNullException.ThrowIfNull(node);
            var sup = await Supervisor.StartAsync(node, Children(), new SupervisorFlags { Strategy = Strategy.OneForAll, Intensity = 3 }, "KV.Supervisor");
            return sup.IsOk ? sup.Pid : throw new InvalidOperationException("KV.Supervisor did not start: " + sup);
        }

        /// <summary>Runs the seed's session; returns 0 when the tree behaved as the seed says.</summary>
        /// <param name="output">Where to write.</param>
        /// <returns>The exit code.</returns>
        public static async Task<int> RunAsync(TextWriter output)
        {
            ArgumentNullException.ThrowIfNull(output);
            await using var node = new Node();
            var sup = await StartAsync(node);
            var registry = node.WhereIs("KV.Registry");

            var shopping = await GenServer.CallAsync<Pid>(registry, new KvRegistry.Create("shopping"));
            await Agent.UpdateAsync<Dictionary<string, int>>(shopping, d => { d["eggs"] = 3; return d; });
            var eggs = await Agent.GetAsync<Dictionary<string, int>, int>(shopping, d => d["eggs"]);
            output.WriteLine($"KV.Bucket.get(bucket, \"eggs\") -> {eggs}");

            // "removes bucket on crash": stop the bucket with a non-normal reason; the registry lives on and forgets it.
            await Agent.StopAsync(shopping, ExitReason.Shutdown);
            var lookup = await GenServer.CallAsync<Pid>(registry, new KvRegistry.Lookup("shopping"));
            output.WriteLine($"KV.Registry.lookup(registry, \"shopping\") -> {(lookup.IsNone ? ":error" : lookup.ToString())}");

            // A registry crash takes the buckets with it (one_for_all), and both come back empty.
            var bucket = await GenServer.CallAsync<Pid>(registry, new KvRegistry.Create("milk"));
            Node.Exit(registry, ExitReason.Kill);
            var bucketExit = await Node.WaitForExitAsync(bucket);
            await Supervisor.CountChildrenAsync(sup);
            var newRegistry = node.WhereIs("KV.Registry");
            var milk = await GenServer.CallAsync<Pid>(newRegistry, new KvRegistry.Lookup("milk"));
            output.WriteLine($"registry killed: bucket exited with {bucketExit}; new registry {newRegistry}; lookup milk -> {(milk.IsNone ? ":error" : milk.ToString())}");
            return eggs == 3 && lookup.IsNone && bucketExit == ExitReason.Shutdown && newRegistry != registry && milk.IsNone ? 0 : 1;
        }
    }
}
