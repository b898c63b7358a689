namespace Trellis.Examples.KV;

/// <summary>
/// Seed 003's KV.Registry: maps bucket names to bucket agents started under KV.BucketSupervisor, monitors them,
/// and forgets a bucket when it exits for any reason.
/// </summary>
public sealed class KvRegistry : GenServer
{
    /// <summary>The bucket supervisor's registered name.</summary>
    public const string BucketSupervisor = "KV.BucketSupervisor";

    private readonly Dictionary<string, Pid> _names = [];
    private readonly Dictionary<MonitorRef, string> _refs = [];

    /// <summary>Creates a bucket if none has that name.</summary>
    /// <param name="Name">The bucket's name.</param>
    public sealed record Create(string Name);

    /// <summary>Looks a bucket up: replies its pid, or <see cref="Pid.None"/> (<c>:error</c>).</summary>
    /// <param name="Name">The bucket's name.</param>
    public sealed record Lookup(string Name);

    /// <summary>A bucket: an agent holding a dictionary, temporary as the seed makes it.</summary>
    /// <returns>The child spec.</returns>
    public static ChildSpec BucketSpec() => new()
    {
        Id = "KV.Bucket",
        Restart = RestartType.Temporary,
        Start = (sup, _) => Agent.StartLinkAsync(sup, () => new Dictionary<string, int>()),
    };

    /// <inheritdoc />
    protected override async ValueTask<ServerResult> HandleCallAsync(object request, From from)
    {
        switch (request)
        {
            case Lookup lookup:
                return Reply(_names.GetValueOrDefault(lookup.Name));
            case Create create when !_names.ContainsKey(create.Name):
                var bucket = await DynamicSupervisor.StartChildAsync(Context.Node.WhereIs(BucketSupervisor), BucketSpec());
                if (!bucket.IsOk)
                {
                    return Stop(bucket.Error!);
                }

                _refs[Context.Monitor(bucket.Pid)] = create.Name;
                _names[create.Name] = bucket.Pid;
                return Reply(bucket.Pid);
            case Create create:
                return Reply(_names[create.Name]);
            default:
                return await base.HandleCallAsync(request, from);
        }
    }

    /// <inheritdoc />
    protected override ServerResult HandleInfo(object message)
    {
        if (message is DownMessage down && _refs.Remove(down.Ref, out var name))
        {
            _names.Remove(name);
            return NoReply();
        }

        return base.HandleInfo(message);
    }
}
