using Assay.Decoding.Link;
using Assay.Decoding.Tests.TestSupport;

namespace Assay.Decoding.Tests.Link;

public class Sll2HeaderTests
{
    [Fact]
    public void TryReadReturnsTheFields()
    {
        AnomalySet anomalies = default;
        Assert.True(Sll2Header.TryRead(Frames.Sll2(0x0800, [7], interfaceIndex: 9), ref anomalies, out Sll2Header header));
        Assert.Equal(0x0800, header.Protocol);
        Assert.Equal(9u, header.InterfaceIndex);
        Assert.Equal(1, header.HardwareType);
        Assert.Equal([7], header.Payload.ToArray());
    }

    [Fact]
    public void IPv6OverSll2IsDecoded()
    {
        var decoded = Decoded.Of(LinkTypes.LinuxSll2, Frames.Sll2(0x86DD, Frames.IPv6(58, Frames.Icmp(128, 0, [0, 1, 0, 1]))));

        Assert.True(decoded.Ok, decoded.AnomalyList);
        Assert.Equal(20, decoded.Packet.NetworkOffset);
        Assert.True(decoded.Has(PacketLayers.IPv6 | PacketLayers.IcmpV6));
        Assert.Equal(128, decoded.Packet.IcmpType);
    }

    [Fact]
    public void ArpOverSll2IsDecoded()
    {
        var decoded = Decoded.Of(LinkTypes.LinuxSll2, Frames.Sll2(0x0806, Frames.Arp(2, Frames.HostB, Frames.HostA)));

        Assert.True(decoded.Ok, decoded.AnomalyList);
        Assert.True(decoded.Has(PacketLayers.Arp));
        Assert.Equal(Frames.Mapped(Frames.HostB), decoded.Packet.Source);
    }

    [Fact]
    public void ShortFrameIsReported()
    {
        var decoded = Decoded.Of(LinkTypes.LinuxSll2, new byte[19]);

        Assert.False(decoded.Ok);
        Assert.True(decoded.Has(Anomaly.Sll2PacketTooSmall));
    }
}
