using System.Collections.Concurrent;
using Trellis.Internal;

namespace Trellis;

/// <summary>
/// OTP's application controller for one node: loads applications, starts them (dependencies first with
/// <see cref="EnsureAllStartedAsync"/>), stops them, holds their environment, and stops the node when a permanent or
/// transient application terminates the way its start type forbids. Its state is a GenServer; <see cref="Stopped"/>
/// tells the program when the node has stopped and with which exit code.
/// </summary>
public sealed class ApplicationController : IAsyncDisposable
{
    private readonly ConcurrentDictionary<(string App, string Key), object?> _env = new();
    private readonly IReadOnlyDictionary<string, IReadOnlyDictionary<string, object?>> _config;
    private readonly TaskCompletionSource<NodeStop> _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Pid _server;

    private ApplicationController(Node node, IReadOnlyDictionary<string, IReadOnlyDictionary<string, object?>>? configuration)
    {
        Node = node;
        _config = configuration ?? new Dictionary<string, IReadOnlyDictionary<string, object?>>();
    }

    /// <summary>Starts a controller on <paramref name="node"/>, registered as <c>application_controller</c>.</summary>
    /// <param name="node">The node.</param>
    /// <param name="configuration">
    /// Environment that overrides the applications' defaults, by application then key (what <c>sys.config</c> is to OTP).
    /// </param>
    /// <param name="cancellationToken">Stops waiting for the start: the starting process is killed and the call throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The controller.</returns>
    /// <exception cref="InvalidOperationException">The node already has an application controller.</exception>
    public static async ValueTask<ApplicationController> CreateAsync(Node node, IReadOnlyDictionary<string, IReadOnlyDictionary<string, object?>>? configuration = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        var controller = new ApplicationController(node, configuration);
        var started = await GenServer.StartAsync(node, () => new ApplicationControllerServer(controller), null, new GenServerOptions { Name = ServerName }, cancellationToken)
            .ConfigureAwait(false);
        controller._server = started.IsOk ? started.Pid : throw new InvalidOperationException($"the node already has an application controller: {started}");
        return controller;
    }

    /// <summary>The name the controller's process is registered under.</summary>
    public const string ServerName = "application_controller";

    /// <summary>The node.</summary>
    public Node Node { get; }

    /// <summary>Completes when the node has stopped: every application is stopped by then.</summary>
    public Task<NodeStop> Stopped => _stopped.Task;

    internal ConcurrentDictionary<(string App, string Key), object?> Env => _env;

    /// <summary>Loads an application: its spec and its environment (<c>application:load/1</c>).</summary>
    /// <param name="spec">The application.</param>
    /// <param name="cancellationToken">Stops waiting for the answer.</param>
    /// <returns><c>ok</c>, or <c>{error, {already_loaded, App}}</c>.</returns>
    public ValueTask<SupervisorResult> LoadAsync(ApplicationSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentException.ThrowIfNullOrEmpty(spec.Name, "spec.Name");
        ArgumentNullException.ThrowIfNull(spec.Start, "spec.Start");
        ArgumentNullException.ThrowIfNull(spec.Dependencies, "spec.Dependencies");
        ArgumentNullException.ThrowIfNull(spec.Environment, "spec.Environment");
        return CallAsync<SupervisorResult>(new ApplicationControllerServer.Load(spec), cancellationToken);
    }

    /// <summary>
    /// Unloads an application that is not running (<c>application:unload/1</c>): its spec and its environment go, so it
    /// can be loaded again with another.
    /// </summary>
    /// <param name="name">The application.</param>
    /// <param name="cancellationToken">Stops waiting for the answer.</param>
    /// <returns><c>ok</c>, <c>{error, {not_loaded, App}}</c>, or <c>{error, {running, App}}</c>.</returns>
    public ValueTask<SupervisorResult> UnloadAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return CallAsync<SupervisorResult>(new ApplicationControllerServer.Unload(name), cancellationToken);
    }

    /// <summary>
    /// Starts a loaded application whose dependencies are running (<c>application:start/2</c>).
    /// </summary>
    /// <param name="name">The application.</param>
    /// <param name="type">Its start type; temporary by default, as Elixir's.</param>
    /// <param name="cancellationToken">Stops waiting for the answer (the start goes on).</param>
    /// <returns>
    /// <c>ok</c>; <c>{error, {already_started, App}}</c>; <c>{error, {not_loaded, App}}</c>; <c>{error, {not_started, Dep}}</c>;
    /// or <c>{error, {Reason, {App, start, [normal, []]}}}</c> when its start failed.
    /// </returns>
    public ValueTask<SupervisorResult> StartAsync(string name, ApplicationStartType type = ApplicationStartType.Temporary, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return CallAsync<SupervisorResult>(new ApplicationControllerServer.Start(name, type, false), cancellationToken);
    }

    /// <summary>
    /// Starts an application and, first, every dependency not yet running, all with <paramref name="type"/>
    /// (<c>application:ensure_all_started/2</c>). On a failure, the applications it started are stopped again.
    /// </summary>
    /// <param name="name">The application.</param>
    /// <param name="type">The start type of every application it starts.</param>
    /// <param name="cancellationToken">Stops waiting for the answer (the starts go on).</param>
    /// <returns><c>ok</c> with the applications it started, in start order; or the first error and an empty list.</returns>
    public async ValueTask<(SupervisorResult Result, IReadOnlyList<string> Started)> EnsureAllStartedAsync(string name, ApplicationStartType type = ApplicationStartType.Temporary, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var reply = await CallAsync<ApplicationControllerServer.Ensured>(new ApplicationControllerServer.Start(name, type, true), cancellationToken).ConfigureAwait(false);
        return (reply.Result, reply.Started);
    }

    /// <summary>
    /// Stops a running application: prep_stop, its tree is shut down, stop (<c>application:stop/1</c>). Its
    /// dependencies keep running, and no start type turns an explicit stop into a node stop.
    /// </summary>
    /// <param name="name">The application.</param>
    /// <param name="cancellationToken">Stops waiting for the answer (the stop goes on).</param>
    /// <returns><c>ok</c>, or <c>{error, {not_started, App}}</c>.</returns>
    public ValueTask<SupervisorResult> StopAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return CallAsync<SupervisorResult>(new ApplicationControllerServer.StopApp(name), cancellationToken);
    }

    /// <summary>Stops every application in reverse start order and the node (<c>init:stop/0</c>), exit code 0.</summary>
    /// <param name="cancellationToken">Stops waiting (the node goes on stopping).</param>
    /// <returns>How the node stopped (the first stop, if it had already stopped).</returns>
    public async Task<NodeStop> StopNodeAsync(CancellationToken cancellationToken = default)
    {
        if (_server.IsAlive)
        {
            try
            {
                await CallAsync<NodeStop>(ApplicationControllerServer.StopNode.Instance, cancellationToken).ConfigureAwait(false);
            }
            catch (CallException) when (!_server.IsAlive)
            {
                // The controller is gone; Stopped says why.
            }
        }

        return await Stopped.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The running applications, most recently started first (<c>which_applications/0</c>).</summary>
    /// <param name="cancellationToken">Stops waiting for the answer.</param>
    /// <returns>The applications.</returns>
    public async ValueTask<IReadOnlyList<RunningApplication>> WhichApplicationsAsync(CancellationToken cancellationToken = default) =>
        await CallAsync<IReadOnlyList<RunningApplication>>(ApplicationControllerServer.Which.Instance, cancellationToken).ConfigureAwait(false);

    /// <summary>A value of an application's environment (<c>get_env/2</c>).</summary>
    /// <param name="application">The application.</param>
    /// <param name="key">The key.</param>
    /// <param name="value">The value, when set.</param>
    /// <returns>True when set (<c>{ok, V}</c>), false for <c>undefined</c>.</returns>
    public bool TryGetEnv(string application, string key, out object? value) => _env.TryGetValue((application, key), out value);

    /// <summary>A value of an application's environment, or null.</summary>
    /// <param name="application">The application.</param>
    /// <param name="key">The key.</param>
    /// <returns>The value.</returns>
    public object? GetEnv(string application, string key) => _env.GetValueOrDefault((application, key));

    /// <summary>A value of an application's environment, or <paramref name="fallback"/> (<c>get_env/3</c>).</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="application">The application.</param>
    /// <param name="key">The key.</param>
    /// <param name="fallback">The default.</param>
    /// <returns>The value.</returns>
    public T GetEnv<T>(string application, string key, T fallback) => _env.TryGetValue((application, key), out var v) && v is T t ? t : fallback;

    /// <summary>Sets a value of an application's environment at run time (<c>set_env/3</c>).</summary>
    /// <param name="application">The application.</param>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    public void SetEnv(string application, string key, object? value)
    {
        ArgumentException.ThrowIfNullOrEmpty(application);
        ArgumentException.ThrowIfNullOrEmpty(key);
        _env[(application, key)] = value;
    }

    /// <summary>Stops the node (every application), then the controller.</summary>
    /// <returns>A task.</returns>
    public async ValueTask DisposeAsync()
    {
        await StopNodeAsync().ConfigureAwait(false);
        if (_server.IsAlive)
        {
            await GenServer.StopAsync(_server).ConfigureAwait(false);
        }
    }

    internal void LoadEnvironment(ApplicationSpec spec)
    {
        foreach (var (key, value) in spec.Environment)
        {
            _env.TryAdd((spec.Name, key), value);
        }

        if (_config.TryGetValue(spec.Name, out var overrides))
        {
            foreach (var (key, value) in overrides)
            {
                _env[(spec.Name, key)] = value;
            }
        }
    }

    internal void NodeStopped(NodeStop stop) => _stopped.TrySetResult(stop);

    internal void UnloadEnvironment(string application)
    {
        foreach (var key in _env.Keys)
        {
            if (key.App == application)
            {
                _env.TryRemove(key, out _);
            }
        }
    }

    private async ValueTask<T> CallAsync<T>(object request, CancellationToken cancellationToken) =>
        (T)(await GenServer.CallAsync(_server, request, Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false))!;
}
