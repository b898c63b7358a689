using System.Text;
using Trellis.Distribution.Internal;

namespace Trellis.Distribution.Tests;

/// <summary>The pure parts: tick decisions, proofs, addresses.</summary>
public sealed class PolicyTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(8);

    [Theory]
    [InlineData(0.0, true, false, "SendTick")]
    [InlineData(0.0, true, true, "None")]
    [InlineData(0.0, false, false, "None")]
    [InlineData(5.9, true, true, "None")]
    [InlineData(5.9, true, false, "SendTick")]
    [InlineData(5.9, false, false, "None")]
    [InlineData(6.0, true, true, "Down")]
    [InlineData(6.0, false, false, "Down")]
    [InlineData(30.0, true, false, "Down")]
    public void Tick_DownAfterThreeQuartersOfSilence_ElseTickWhenDueAndIdle(double silentSeconds, bool due, bool sent, string expected) =>
        Assert.Equal(expected, TickPolicy.Decide(TimeSpan.FromSeconds(silentSeconds), due, sent, Tick).ToString());

    [Fact]
    public void Tick_ChecksEveryEighth_SoASilentPeerIsDownWithinSevenEighthsOfTheTickTime()
    {
        var interval = TickPolicy.Interval(Tick);
        Assert.Equal(TimeSpan.FromSeconds(1), interval);
        // Silence begins anywhere between two checks (just after one is the worst): the first check at or past 3/4
        // comes at most one interval later, whatever the phase of the peer's timer against ours.
        var worst = TimeSpan.Zero;
        var best = TimeSpan.MaxValue;
        for (var offset = 0.01; offset < interval.TotalSeconds; offset += 0.05)
        {
            var check = interval - TimeSpan.FromSeconds(offset);
            while (TickPolicy.Decide(check, tickDue: false, sentSinceLastTick: true, Tick) != TickAction.Down)
            {
                check += interval;
            }

            worst = check > worst ? check : worst;
            best = check < best ? check : best;
        }

        Assert.True(worst <= Tick * 7 / 8, $"declared down after {worst} of silence");
        Assert.True(best >= Tick * 3 / 4, $"declared down after only {best} of silence");
    }

    [Fact]
    public void Tick_IsDueAtEverySecondFiring_SoAnIdleConnectionTicksEachQuarter()
    {
        var firingsPerTickTime = (int)(Tick / TickPolicy.Interval(Tick));
        var due = Enumerable.Range(1, firingsPerTickTime).Where(TickPolicy.TickDue).ToList();
        Assert.Equal([2, 4, 6, 8], due);
    }

    [Fact]
    public void Proof_IsBoundToTheCookie_TheRole_TheChallengeAndBothNames()
    {
        var cookie = Encoding.UTF8.GetBytes("the-shared-cookie-0123");
        var challenge = Handshake.NewChallenge();
        var proof = Handshake.Proof(cookie, "initiator", challenge, "a@h", "b@h");
        Assert.True(Handshake.Verify(cookie, "initiator", challenge, "a@h", "b@h", proof));
        Assert.False(Handshake.Verify(Encoding.UTF8.GetBytes("another-cookie-012345"), "initiator", challenge, "a@h", "b@h", proof));
        Assert.False(Handshake.Verify(cookie, "acceptor", challenge, "a@h", "b@h", proof));
        Assert.False(Handshake.Verify(cookie, "initiator", Handshake.NewChallenge(), "a@h", "b@h", proof));
        Assert.False(Handshake.Verify(cookie, "initiator", challenge, "c@h", "b@h", proof));
        Assert.False(Handshake.Verify(cookie, "initiator", challenge, "a@h", "b@h", proof.AsSpan(0, 31)));
        Assert.DoesNotContain("the-shared-cookie", Encoding.UTF8.GetString(Handshake.EncodeProof(proof, true)), StringComparison.Ordinal);
    }

    [Fact]
    public void Handshake_RefusesMalformedMessages()
    {
        Assert.Throws<HandshakeException>(() => Handshake.DecodeHello([0x93, 1, 2, 3]));
        Assert.Throws<HandshakeException>(() => Handshake.DecodeHello([0xff, 0xff]));
        var hello = Handshake.EncodeHello(new Hello(1, "a@h", 1, 7, "b@h", new byte[31]));
        Assert.Throws<HandshakeException>(() => Handshake.DecodeHello(hello));
        var badName = Handshake.EncodeHello(new Hello(1, "no-at-sign", 1, 7, "b@h", new byte[32]));
        Assert.Contains("node name", Assert.Throws<HandshakeException>(() => Handshake.DecodeHello(badName)).Message, StringComparison.Ordinal);
        Assert.Equal("a@h", Handshake.DecodeHello(Handshake.EncodeHello(new Hello(1, "a@h", 1, 7, "b@h", new byte[32]))).From);
    }

    [Fact]
    public void SimultaneousConnect_TheLowerNamedNodesAttemptWins_OnBothSides()
    {
        Assert.True(Handshake.KeepsOwnAttempt("a@h", "b@h"));
        Assert.False(Handshake.KeepsOwnAttempt("b@h", "a@h"));
    }

    [Theory]
    [InlineData("foo@127.0.0.1:9100", "foo@127.0.0.1", 9100, null)]
    [InlineData("foo@127.0.0.1", null, 0, "expected name@host:port")]
    [InlineData("foo127.0.0.1:9", null, 0, "name@host")]
    [InlineData("foo@127.0.0.1:0", null, 0, "port")]
    [InlineData("foo@127.0.0.1:70000", null, 0, "port")]
    [InlineData("f oo@h:1", null, 0, "no spaces")]
    [InlineData("@h:1", null, 0, "name@host")]
    public void Address_ParsesOrSaysWhatIsWrong(string text, string? name, int port, string? error)
    {
        var ok = NodeAddress.TryParse(text, out var address, out var message);
        Assert.Equal(error is null, ok);
        if (ok)
        {
            Assert.Equal(name, address!.Name);
            Assert.Equal(port, address.Port);
            Assert.Equal(text, address.ToString());
        }
        else
        {
            Assert.Contains(error!, message, StringComparison.Ordinal);
        }
    }
}
