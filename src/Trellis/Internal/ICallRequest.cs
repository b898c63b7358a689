namespace Trellis.Internal;

/// <summary>A message whose sender waits for an answer: failed when it dies unanswered in a mailbox.</summary>
internal interface ICallRequest
{
    void Fail(ExitReason reason);
}
