namespace Trellis.Bench;

/// <summary>How big each workload is; the same numbers go to the Erlang side.</summary>
internal sealed record Sizes(int Spawns, int Children, int Crashes, int Calls)
{
    public static Sizes Full { get; } = new(1_000_000, 100_000, 10_000, 100_000);

    public static Sizes Quick { get; } = new(100_000, 10_000, 1_000, 20_000);

    public int GroupRounds => Math.Max(20, Crashes / 50);

    public int Casts => Calls * 20;
}
