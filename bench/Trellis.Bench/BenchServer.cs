namespace Trellis.Bench;

/// <summary>The server every workload uses: ping answers pong, casts are counted (the Erlang side's gen_server does the same).</summary>
internal sealed class BenchServer : GenServer
{
    private long _casts;

    public static readonly ChildSpec Spec = ChildSpec.ForServer("w", static () => new BenchServer());

    protected override ServerResult HandleCall(object request, From from) =>
        request is "count" ? Reply(_casts) : Reply("pong");

    protected override ServerResult HandleCast(object request)
    {
        _casts++;
        return NoReply();
    }
}
