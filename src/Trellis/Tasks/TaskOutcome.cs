namespace Trellis;

/// <summary>What <see cref="SupervisedTask.YieldAsync"/> and <see cref="SupervisedTask.ShutdownAsync"/> found: the task's result (<c>{ok, V}</c>) or its exit (<c>{exit, Reason}</c>).</summary>
public sealed record TaskOutcome
{
    private TaskOutcome(bool ok, object? value, ExitReason? reason)
    {
        IsOk = ok;
        Value = value;
        Reason = reason;
    }

    /// <summary>True when the task returned a value.</summary>
    public bool IsOk { get; }

    /// <summary>The returned value.</summary>
    public object? Value { get; }

    /// <summary>The exit reason, when the task exited without replying.</summary>
    public ExitReason? Reason { get; }

    /// <summary><c>{ok, Value}</c>.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The outcome.</returns>
    public static TaskOutcome Ok(object? value) => new(true, value, null);

    /// <summary><c>{exit, Reason}</c>.</summary>
    /// <param name="reason">The reason.</param>
    /// <returns>The outcome.</returns>
    public static TaskOutcome Exit(ExitReason reason) => new(false, null, reason ?? throw new ArgumentNullException(nameof(reason)));

    /// <inheritdoc />
    public override string ToString() => IsOk ? Terms.Tuple(new Atom("ok"), Value) : Terms.Tuple(new Atom("exit"), Reason);
}
