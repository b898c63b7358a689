using Trellis.Examples.KV;
using Trellis.Examples.Stack;

namespace Trellis.Tests;

/// <summary>The examples under examples/ run as their programs do.</summary>
public class ExampleTests
{
    [Fact]
    public async Task StackExample_CrashesOnEmptyPop_AndComesBackWithItsInitialState()
    {
        using var output = new StringWriter();
        Assert.Equal(0, await StackDemo.RunAsync(output));
        Assert.Contains("-> hello  (restarted:", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task KvExample_BucketCrashIsForgotten_RegistryCrashTakesBucketsWithIt()
    {
        using var output = new StringWriter();
        Assert.Equal(0, await KvDemo.RunAsync(output));
        Assert.Contains("lookup(registry, \"shopping\") -> :error", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void KvBucket_IsTemporary()
    {
        Assert.Equal(RestartType.Temporary, KvRegistry.BucketSpec().Restart);
    }
}
