namespace Trellis.Bench.Peers;

/// <summary>
/// One framework's side of each workload, written the way its own documentation writes it. Every workload checks its
/// own result (replies, counts, restarts) and throws when one is missing, so a fast wrong answer cannot win.
/// </summary>
internal interface IPeer : IAsyncDisposable
{
    string Name { get; }

    /// <summary>A supervised child throws on a message; microseconds from sending it until the restarted child answers a request.</summary>
    Task<double[]> CrashRestartAsync(int crashes);

    /// <summary>Spawns <paramref name="n"/> actors from a parent, each tells its parent it runs and stops; microseconds per actor.</summary>
    Task<double> SpawnAsync(int n);

    /// <summary>Request and reply from outside the actor system, one at a time; nanoseconds per round trip.</summary>
    Task<double[]> CallAsync(int n);

    /// <summary>Asks a parent for <paramref name="n"/> new children, one at a time; microseconds per child. The parent stays for <see cref="StopParentAsync"/>.</summary>
    Task<double> StartChildrenAsync(int n);

    /// <summary>Stops that parent and waits until it and its children are gone; milliseconds.</summary>
    Task<double> StopParentAsync();

    /// <summary>One-way messages spread over <paramref name="actors"/> actors, until all are counted; messages per second.</summary>
    Task<double> MessagesAsync(int actors, int messages);
}
