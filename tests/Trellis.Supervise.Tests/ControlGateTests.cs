using Trellis.OsProcess.StatusFiles;

namespace Trellis.Supervise.Tests;

/// <summary>The control FIFO's gate: repeats coalesce, order is kept, the queue is bounded.</summary>
public class ControlGateTests
{
    [Fact]
    public void RepeatsOfTheLastQueuedByte_Coalesce_UntilItIsTaken()
    {
        var gate = new ControlGate();
        Assert.True(gate.TryQueue((byte)'k'));
        Assert.False(gate.TryQueue((byte)'k'));
        Assert.False(gate.TryQueue((byte)'k'));
        gate.Taken();
        Assert.True(gate.TryQueue((byte)'k'));
        Assert.Equal(0, gate.Dropped);
    }

    [Fact]
    public void DifferentBytes_KeepTheirOrder_AndTheQueueIsBounded()
    {
        var gate = new ControlGate(capacity: 3);
        Assert.True(gate.TryQueue((byte)'d'));
        Assert.True(gate.TryQueue((byte)'u'));
        Assert.True(gate.TryQueue((byte)'d'));
        Assert.False(gate.TryQueue((byte)'u'));
        Assert.Equal(1, gate.Dropped);
        gate.Taken();
        Assert.True(gate.TryQueue((byte)'u'));
    }
}
