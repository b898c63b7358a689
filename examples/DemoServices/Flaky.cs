namespace Trellis.Examples.DemoServices;

/// <summary>A program with a bug: it works for a few seconds, then crashes.</summary>
public static class Flaky
{
    /// <summary>Counts for <paramref name="seconds"/> seconds, then fails with exit code 3.</summary>
    /// <param name="seconds">How long it lasts.</param>
    /// <returns>3.</returns>
    public static async Task<int> RunAsync(int seconds)
    {
        for (var i = 1; i <= seconds; i++)
        {
            Console.WriteLine($"flaky: tick {i}");
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        Console.Error.WriteLine("flaky: unhandled error, crashing");
        return 3;
    }
}
