using System.Diagnostics;
using System.Globalization;
using Trellis.Cluster;

namespace Trellis.Bench.Cluster;

/// <summary>A member process's output: one line per event, with the machine's monotonic clock (comparable across processes).</summary>
internal static class Out
{
    private static readonly Lock Gate = new();

    public static ClusterNode? Member { get; set; }

    public static void Line(string text)
    {
        lock (Gate)
        {
            Console.WriteLine(text);
            Console.Out.Flush();
        }
    }

    /// <summary><c>WHAT CHILD NODE COPY T</c>: a copy is one process of the child (its pid's number on its node).</summary>
    public static void Event(string what, string child, string node, long copy) =>
        Line(string.Create(CultureInfo.InvariantCulture, $"{what} {child} {node} {copy} {Stopwatch.GetTimestamp()}"));
}

/// <summary>
/// The bench's cluster child: answers "ping" with its node's name; with a true argument it also ticks every 50 ms, only
/// while its node holds its lease (the check at the point of action), which is what the overlap checker reads.
/// </summary>
internal sealed class Worker : GenServer
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(50);
    private string _child = "";
    private bool _ticks;

    protected override InitResult Init(object? argument)
    {
        Context.TrapExit = true;
        (_child, _ticks) = argument is string s ? (s, true) : ("-", false);
        if (!_ticks)
        {
            return InitResult.Ok();
        }

        Out.Event("started", _child, Context.Node.Name, Self.Id);
        return InitResult.Ok().WithTimeout(Tick);
    }

    protected override ServerResult HandleCall(object request, From from) => Reply(Context.Node.Name);

    protected override ServerResult HandleInfo(object message)
    {
        if (Out.Member?.HoldsLease == true)
        {
            Out.Event("tick", _child, Context.Node.Name, Self.Id);
        }

        return NoReply().WithTimeout(Tick);
    }

    protected override void Terminate(ExitReason reason)
    {
        if (_ticks)
        {
            Out.Event("stopped", _child, Context.Node.Name, Self.Id);
        }
    }
}
