using Trellis.Cluster.Internal;

namespace Trellis.Cluster.Tests;

public sealed class RuleTests
{
    [Fact]
    public void TheFenceDeadline_CountsFromTheAcknowledgedSend_LessTheMargin()
    {
        Assert.Equal(1000 + 4000, FenceRule.Deadline(1000, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1), 1000));
        Assert.Equal(TimeSpan.FromSeconds(1), FenceRule.RenewInterval(TimeSpan.FromSeconds(3)));
        Assert.True(FenceRule.IsWorkable(TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(600), TimeSpan.FromSeconds(1), out _));
        Assert.False(FenceRule.IsWorkable(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), out var e1));
        Assert.Contains("FenceMargin", e1, StringComparison.Ordinal);
        Assert.False(FenceRule.IsWorkable(TimeSpan.FromMilliseconds(2500), TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(500), out var e2));
        Assert.Contains("whole seconds", e2, StringComparison.Ordinal);
        Assert.False(FenceRule.IsWorkable(TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2), out var e3));
        Assert.Contains("RequestTimeout", e3, StringComparison.Ordinal);
    }

    private static ClusterMember M(string name, string zone = "a") => new(name, name + ":1", 1, new Dictionary<string, string> { ["zone"] = zone });

    private static PlacementRequest Request(string? avoid, Func<string, int> cluster, Func<string, int> sup) =>
        new("c", [M("n1"), M("n2"), M("n3")], "n2", avoid, cluster, sup);

    [Fact]
    public void Placements_SpreadLeastLoadedLocalFirst_AvoidTheNodeAChildDiedOn()
    {
        Assert.Equal("n1", Placements.Spread.Choose(Request(null, _ => 0, _ => 0)));
        Assert.Equal("n3", Placements.Spread.Choose(Request(null, _ => 0, n => n == "n3" ? 0 : 1)));
        Assert.Equal("n2", Placements.Spread.Choose(Request("n1", n => n == "n3" ? 5 : 0, _ => 0)));
        Assert.Equal("n2", Placements.LeastLoaded.Choose(Request(null, n => n == "n2" ? 0 : 3, _ => 9)));
        Assert.Equal("n2", Placements.LocalFirst.Choose(Request(null, _ => 9, _ => 9)));
        Assert.Equal("n1", Placements.LocalFirst.Choose(Request("n2", _ => 0, _ => 0)));
        var only = new PlacementRequest("c", [M("n1")], "n1", "n1", _ => 0, _ => 0);
        Assert.Equal("n1", Placements.Spread.Choose(only));
        Assert.True(Placements.Satisfies(M("x", "b"), new Dictionary<string, string> { ["zone"] = "b" }));
        Assert.False(Placements.Satisfies(M("x", "b"), new Dictionary<string, string> { ["zone"] = "a" }));
        Assert.False(Placements.Satisfies(M("x"), new Dictionary<string, string> { ["gpu"] = "true" }));
    }

    [Theory]
    [InlineData("ok-name", true)]
    [InlineData("a/b", false)]
    [InlineData("", false)]
    [InlineData("with space", false)]
    public void Names_BecomeKeys_SoSlashesAndSpacesAreRefused(string name, bool valid) => Assert.Equal(valid, Names.IsValid(name, out _));

    [Fact]
    public void Keys_ParseBack()
    {
        var keys = new Keys("c");
        Assert.Equal("s", keys.SupOfOwner(keys.Owner("s")));
        Assert.Null(keys.SupOfOwner(keys.Run("s", "x")));
        Assert.Equal(("s", "x"), keys.RunParts(keys.Run("s", "x")));
        Assert.Null(keys.RunParts(keys.Owner("s")));
    }
}
