namespace Trellis;

/// <summary>
/// The message an async task sends its owner when it returns (<c>{ref, result}</c>). Its <see cref="Ref"/> is the
/// owner's monitor of the task, so a GenServer handles it in HandleInfo beside the task's <see cref="DownMessage"/>.
/// </summary>
/// <param name="Ref">The task's monitor reference (<see cref="SupervisedTask.Ref"/>).</param>
/// <param name="Result">What the task's function returned.</param>
public sealed record TaskReply(MonitorRef Ref, object? Result);
