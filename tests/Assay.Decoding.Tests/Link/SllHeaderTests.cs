using Assay.Decoding.Link;
using Assay.Decoding.Tests.TestSupport;

namespace Assay.Decoding.Tests.Link;

public class SllHeaderTests
{
    [Fact]
    public void TryReadReturnsTheFields()
    {
        AnomalySet anomalies = default;
        Assert.True(SllHeader.TryRead(Frames.Sll(0x86DD, [1], packetType: 4, hardwareType: 772), ref anomalies, out SllHeader header));
        Assert.Equal(4, header.PacketType);
        Assert.Equal(772, header.HardwareType);
        Assert.Equal(0x86DD, header.Protocol);
        Assert.Equal([1], header.Payload.ToArray());
    }

    [Fact]
    public void IPv4OverSllIsDecoded()
    {
        var decoded = Decoded.Of(LinkTypes.LinuxSll, Frames.Sll(0x0800, Frames.IPv4(6, Frames.Tcp(22, 50000))));

        Assert.True(decoded.Ok, decoded.AnomalyList);
        Assert.Equal(16, decoded.Packet.NetworkOffset);
        Assert.True(decoded.Has(PacketLayers.IPv4 | PacketLayers.Tcp));
        Assert.False(decoded.Has(PacketLayers.Ethernet));
        Assert.Equal(22, decoded.Packet.SourcePort);
    }

    [Fact]
    public void VlanTaggedSllIsFollowed()
    {
        var decoded = Decoded.Of(LinkTypes.LinuxSll, Frames.Sll(0x8100, Frames.Concat(Frames.Vlan(12, 0x86DD), Frames.IPv6(17, Frames.Udp(1, 2)))));

        Assert.True(decoded.Ok, decoded.AnomalyList);
        Assert.Equal(12, decoded.Packet.VlanId);
        Assert.True(decoded.Has(PacketLayers.IPv6 | PacketLayers.Udp));
    }

    [Fact]
    public void ShortFrameIsReported()
    {
        var decoded = Decoded.Of(LinkTypes.LinuxSll, new byte[15]);

        Assert.False(decoded.Ok);
        Assert.True(decoded.Has(Anomaly.SllPacketTooSmall));
    }
}
