using System.Runtime.CompilerServices;
using Assay.Flows.Tcp;

namespace Assay.Flows.Tests.Tcp;

public class TcpStreamStateTests
{
    [Fact]
    public void DefaultIsAFreshDirectionThatHoldsNothing()
    {
        var state = default(TcpStreamState);
        Assert.False(state.IsInitialized);
        Assert.False(state.HasEnded);
        Assert.Equal(TcpStreamEnd.None, state.EndReason);
        Assert.Equal(0, state.Position);
        Assert.Equal(0, state.Segments);
    }

    [Fact]
    public void IsSmallEnoughToLiveBesideEveryFlow() => Assert.True(Unsafe.SizeOf<TcpStreamState>() <= 80, $"{Unsafe.SizeOf<TcpStreamState>()} bytes");

    [Theory]
    [InlineData(0xFFFF_FFF0u, 0L, 0xFFFF_FFF0u, 0L)]
    [InlineData(0xFFFF_FFF0u, 0L, 0x0000_0010u, 32L)]                // across the wrap
    [InlineData(0xFFFF_FFF0u, 100L, 0xFFFF_FFF0u, 0L)]               // behind the next byte
    [InlineData(10u, 0L, 0x8000_0009u, 2_147_483_647L)]               // the furthest ahead serial arithmetic reaches
    [InlineData(10u, 0L, 0x8000_000Au, -2_147_483_648L)]              // one more is behind (RFC 1982: undefined; we say behind)
    [InlineData(10u, 5_000_000_000L, 10u, 5_000_000_000L - 5_000_000_000L % 4_294_967_296L)]
    public void OffsetOfUsesSerialArithmeticAroundTheNextByte(uint baseSequence, long next, uint sequence, long expected)
    {
        var state = new TcpStreamState { _baseSequence = baseSequence, _nextOffset = next };
        Assert.Equal(expected, state.OffsetOf(sequence));
    }
}
