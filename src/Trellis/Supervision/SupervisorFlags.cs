namespace Trellis;

/// <summary>
/// A supervisor's flags. The defaults are Erlang's: one_for_one, at most 1 restart in 5 seconds, no auto shutdown
/// (Elixir's <c>Supervisor.init</c> uses 3 in 5).
/// </summary>
public sealed record SupervisorFlags
{
    /// <summary>Which children are restarted together.</summary>
    public Strategy Strategy { get; init; } = Strategy.OneForOne;

    /// <summary>MaxR: how many restarts are allowed within <see cref="Period"/>; one more and the supervisor gives up.</summary>
    public int Intensity { get; init; } = 1;

    /// <summary>MaxT: the window, a whole number of seconds, at least one.</summary>
    public TimeSpan Period { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether significant children shut the supervisor down.</summary>
    public AutoShutdown AutoShutdown { get; init; } = AutoShutdown.Never;

    /// <summary>
    /// For <see cref="Strategy.SimpleOneForOne"/> only: record the children started with <c>start_child</c> and start
    /// them again when this supervisor starts again (seed 001, 3.3). Null (the default) keeps OTP's behaviour, where
    /// they are lost.
    /// </summary>
    public DurableChildren? Durable { get; init; }
}
