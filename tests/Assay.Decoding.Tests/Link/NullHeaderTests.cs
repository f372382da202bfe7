using Assay.Decoding.Link;
using Assay.Decoding.Tests.TestSupport;

namespace Assay.Decoding.Tests.Link;

public class NullHeaderTests
{
    private static byte[] Udp4 => Frames.IPv4(17, Frames.Udp(5000, 53, [1]));
    private static byte[] Udp6 => Frames.IPv6(17, Frames.Udp(5000, 53, [1]));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void NullAcceptsIPv4InEitherByteOrder(bool bigEndianHost)
    {
        var decoded = Decoded.Of(LinkTypes.Null, Frames.Null(NullHeader.FamilyIPv4, Udp4, bigEndianHost));

        Assert.True(decoded.Ok, decoded.AnomalyList);
        Assert.Equal(4, decoded.Packet.NetworkOffset);
        Assert.Equal(0x0800, decoded.Packet.EtherType);
        Assert.True(decoded.Has(PacketLayers.IPv4 | PacketLayers.Udp));
    }

    [Theory]
    [InlineData(24u, false)]
    [InlineData(28u, false)]
    [InlineData(30u, false)]
    [InlineData(24u, true)]
    [InlineData(28u, true)]
    [InlineData(30u, true)]
    public void NullAcceptsEveryBsdIPv6Family(uint family, bool bigEndianHost)
    {
        var decoded = Decoded.Of(LinkTypes.Null, Frames.Null(family, Udp6, bigEndianHost));

        Assert.True(decoded.Ok, decoded.AnomalyList);
        Assert.Equal(0x86DD, decoded.Packet.EtherType);
        Assert.True(decoded.Has(PacketLayers.IPv6 | PacketLayers.Udp));
    }

    [Fact]
    public void LoopIsBigEndian()
    {
        var decoded = Decoded.Of(LinkTypes.Loop, Frames.Null(NullHeader.FamilyIPv6Darwin, Udp6, bigEndian: true));

        Assert.True(decoded.Ok, decoded.AnomalyList);
        Assert.True(decoded.Has(PacketLayers.IPv6));
    }

    [Fact]
    public void LoopRejectsLittleEndianFamily()
    {
        var decoded = Decoded.Of(LinkTypes.Loop, Frames.Null(NullHeader.FamilyIPv4, Udp4, bigEndian: false));

        Assert.False(decoded.Ok);
        Assert.True(decoded.Has(Anomaly.NullUnknownFamily));
    }

    [Theory]
    [InlineData(10u)]      // Linux AF_INET6: never written with DLT_NULL
    [InlineData(17u)]
    [InlineData(0u)]
    public void UnknownFamilyIsReported(uint family)
    {
        var decoded = Decoded.Of(LinkTypes.Null, Frames.Null(family, Udp4, bigEndian: false));

        Assert.False(decoded.Ok);
        Assert.True(decoded.Has(Anomaly.NullUnknownFamily));
    }

    [Fact]
    public void ShortFrameIsReported()
    {
        var decoded = Decoded.Of(LinkTypes.Null, [2, 0, 0]);

        Assert.False(decoded.Ok);
        Assert.True(decoded.Has(Anomaly.NullPacketTooSmall));
    }
}
