using Trellis;
using Trellis.Examples.Stack;

return await StackDemo.RunAsync(Console.Out);

namespace Trellis.Examples.Stack
{
    /// <summary>Seed 004's session, step by step.</summary>
    public static class StackDemo
    {
        /// <summary>Runs the demo, writing what happens; returns 0 when the stack behaved as the seed shows.</summary>
        /// <param name="output">Where to write.</param>
        /// <returns>The exit code.</returns>
        public static async Task<int> RunAsync(TextWriter output)
        {
            ArgumentNullException.ThrowIfNull(output);
            await using var node = new Node();

            // children = [%{id: Stack, start: {Stack, :start_link, [[:hello]]}}]
            var children = new[] { ChildSpec.ForServer("Stack", () => new StackServer(), new object[] { "hello" }, name: "Stack") };
            var sup = await Supervisor.StartAsync(node, children, new SupervisorFlags { Strategy = Strategy.OneForOne, Intensity = 3 });
            output.WriteLine($"Supervisor.start_link -> {sup}");

            var first = await GenServer.CallAsync(node.WhereIs("Stack"), StackServer.Requests.Pop);
            output.WriteLine($"GenServer.call(Stack, :pop) -> {first}");
            GenServer.Cast(node.WhereIs("Stack"), new StackServer.Push("world"));
            var second = await GenServer.CallAsync(node.WhereIs("Stack"), StackServer.Requests.Pop);
            output.WriteLine($"GenServer.call(Stack, :pop) -> {second}");

            var crashed = node.WhereIs("Stack");
            try
            {
                await GenServer.CallAsync(crashed, StackServer.Requests.Pop);
                output.WriteLine("pop on an empty stack did not crash");
                return 1;
            }
            catch (CallException ex)
            {
                output.WriteLine($"GenServer.call(Stack, :pop) -> ** (exit) {ex.Message}");
            }

            // The supervisor restarts the stack with its initial state; wait until it has handled the exit.
            await Node.WaitForExitAsync(crashed);
            await Supervisor.CountChildrenAsync(sup.Pid);
            var third = await GenServer.CallAsync(node.WhereIs("Stack"), StackServer.Requests.Pop);
            output.WriteLine($"GenServer.call(Stack, :pop) -> {third}  (restarted: {crashed} -> {node.WhereIs("Stack")})");
            return first is "hello" && second is "world" && third is "hello" ? 0 : 1;
        }
    }
}
