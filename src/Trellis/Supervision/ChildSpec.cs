namespace Trellis;

/// <summary>
/// How a supervisor starts, restarts and stops one child (OTP's child specification). Build one with the
/// <c>For*</c> helpers and adjust it with <c>with</c>, as Elixir's <c>Supervisor.child_spec/2</c> overrides keys.
/// </summary>
public sealed record ChildSpec
{
    /// <summary>The modules value that means <c>dynamic</c>.</summary>
    public const string DynamicModules = "dynamic";

    /// <summary>Identifies the child within its supervisor (ignored for dynamic children). Mandatory.</summary>
    public required object Id { get; init; }

    /// <summary>Starts the child linked to the supervisor. Mandatory.</summary>
    public required ChildStart Start { get; init; }

    /// <summary>The arguments passed to <see cref="Start"/> (the A of an MFA).</summary>
    public IReadOnlyList<object?> Arguments { get; init; } = [];

    /// <summary>When it is restarted. Permanent by default.</summary>
    public RestartType Restart { get; init; } = RestartType.Permanent;

    /// <summary>Whether its exit may shut the supervisor down (with <see cref="AutoShutdown"/>). False by default.</summary>
    public bool Significant { get; init; }

    /// <summary>How it is stopped; null for the default: five seconds for a worker, infinity for a supervisor.</summary>
    public Shutdown? Shutdown { get; init; }

    /// <summary>Worker or supervisor. Worker by default.</summary>
    public ChildType Type { get; init; } = ChildType.Worker;

    /// <summary>The callback modules (for upgrades and observers); null for the type that defines <see cref="Start"/>; <c>["dynamic"]</c> for dynamic.</summary>
    public IReadOnlyList<string>? Modules { get; init; }

    /// <summary>The shutdown in force: <see cref="Shutdown"/>, or the default for <see cref="Type"/>.</summary>
    public Shutdown EffectiveShutdown => Shutdown ?? (Type == ChildType.Supervisor ? Trellis.Shutdown.Infinity : Trellis.Shutdown.DefaultWorker);

    /// <summary>The modules in force: <see cref="Modules"/>, or the name of the type that defines <see cref="Start"/>.</summary>
    public IReadOnlyList<string> EffectiveModules =>
        Modules ?? [Start?.Method.DeclaringType?.Name ?? "undefined"];

    /// <summary>A GenServer child made by <paramref name="factory"/> (<c>use GenServer</c>'s child_spec).</summary>
    /// <param name="id">The child's id.</param>
    /// <param name="factory">Makes a new server object for each start.</param>
    /// <param name="argument">The argument for its init.</param>
    /// <param name="name">A name to register it under.</param>
    /// <returns>The spec; permanent, worker, five-second shutdown.</returns>
    public static ChildSpec ForServer(object id, Func<GenServer> factory, object? argument = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        var options = name is null ? null : new GenServerOptions { Name = name };
        return new ChildSpec
        {
            Id = id,
            Start = (sup, args) => GenServer.StartLinkAsync(sup, factory, StartArgument(args), options),
            Arguments = argument is null ? [] : [argument],
            Modules = [factory.Method.ReturnType == typeof(GenServer) ? ModuleName(factory) : factory.Method.ReturnType.Name],
        };
    }

    /// <summary>
    /// A worker that starts a GenServer with <paramref name="options"/>, such as a <see cref="GenServerOptions.Via"/>
    /// name in a <see cref="Registry"/>.
    /// </summary>
    /// <param name="id">The child's id.</param>
    /// <param name="factory">Makes a new server instance for every start.</param>
    /// <param name="argument">The argument of Init.</param>
    /// <param name="options">The start options.</param>
    /// <returns>The spec.</returns>
    public static ChildSpec ForServer(object id, Func<GenServer> factory, object? argument, GenServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return ForServer(id, factory, argument) with
        {
            Start = (sup, args) => GenServer.StartLinkAsync(sup, factory, StartArgument(args), options),
        };
    }

    /// <summary>A GenServer child of type <typeparamref name="TServer"/>.</summary>
    /// <typeparam name="TServer">The server type.</typeparam>
    /// <param name="id">The child's id; the type's name when null.</param>
    /// <param name="argument">The argument for its init.</param>
    /// <param name="name">A name to register it under.</param>
    /// <returns>The spec.</returns>
    public static ChildSpec ForServer<TServer>(object? id = null, object? argument = null, string? name = null)
        where TServer : GenServer, new() =>
        ForServer(id ?? typeof(TServer).Name, () => new TServer(), argument, name) with { Modules = [typeof(TServer).Name] };

    /// <summary>A plain process child: <paramref name="body"/> runs in a process linked to the supervisor.</summary>
    /// <param name="id">The child's id.</param>
    /// <param name="body">The process's code; extra start arguments are not passed to it.</param>
    /// <returns>The spec.</returns>
    public static ChildSpec ForProcess(object id, Func<ProcessContext, ValueTask> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return new ChildSpec
        {
            Id = id,
            Start = (sup, _) => new(StartResult.Ok(sup.SpawnLink(body))),
            Modules = [body.Method.DeclaringType?.Name ?? "process"],
        };
    }

    /// <summary>A supervisor child with static children.</summary>
    /// <param name="id">The child's id.</param>
    /// <param name="flags">Its flags.</param>
    /// <param name="children">Its children, in start order.</param>
    /// <param name="name">A name to register it under.</param>
    /// <returns>The spec; type supervisor, shutdown infinity.</returns>
    public static ChildSpec ForSupervisor(object id, SupervisorFlags flags, IEnumerable<ChildSpec> children, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(flags);
        ArgumentNullException.ThrowIfNull(children);
        var list = children.ToList();
        return new ChildSpec
        {
            Id = id,
            Start = (sup, _) => Supervisor.StartLinkAsync(sup, list, flags, name),
            Type = ChildType.Supervisor,
            Modules = ["Supervisor"],
        };
    }

    /// <summary>A supervisor child defined by a <see cref="SupervisorModule"/>.</summary>
    /// <param name="id">The child's id.</param>
    /// <param name="module">Makes the supervisor's callback object.</param>
    /// <param name="argument">The argument for its init.</param>
    /// <param name="name">A name to register it under.</param>
    /// <returns>The spec; type supervisor, shutdown infinity.</returns>
    public static ChildSpec ForSupervisor(object id, Func<SupervisorModule> module, object? argument = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        return new ChildSpec
        {
            Id = id,
            Start = (sup, args) => Supervisor.StartLinkAsync(sup, module(), StartArgument(args), name),
            Arguments = argument is null ? [] : [argument],
            Type = ChildType.Supervisor,
            Modules = [ModuleName(module)],
        };
    }

    /// <summary>A DynamicSupervisor child.</summary>
    /// <param name="id">The child's id.</param>
    /// <param name="options">Its options.</param>
    /// <returns>The spec; type supervisor, shutdown infinity.</returns>
    public static ChildSpec ForDynamicSupervisor(object id, DynamicSupervisorOptions? options = null) => new()
    {
        Id = id,
        Start = (sup, _) => DynamicSupervisor.StartLinkAsync(sup, options),
        Type = ChildType.Supervisor,
        Modules = ["DynamicSupervisor"],
    };

    /// <summary>The single init argument made of start arguments: none gives null, one gives itself, more give the list.</summary>
    internal static object? StartArgument(IReadOnlyList<object?> args) => args.Count switch
    {
        0 => null,
        1 => args[0],
        _ => args,
    };

    private static string ModuleName(Delegate factory) => factory.Target?.GetType().Name ?? factory.Method.ReturnType.Name;
}
