using Assay.Decoding.Link;
using Assay.Decoding.Tests.TestSupport;

namespace Assay.Decoding.Tests.Link;

public class VlanTagTests
{
    private static byte[] Udp4 => Frames.IPv4(17, Frames.Udp(1000, 2000, [1, 2, 3, 4]));

    [Fact]
    public void TryReadSplitsTheControlInformation()
    {
        AnomalySet anomalies = default;
        Assert.True(VlanTag.TryRead(Frames.Vlan(0x123, 0x0800, priority: 5), ref anomalies, out VlanTag tag));
        Assert.Equal(0x123, tag.VlanId);
        Assert.Equal(5, tag.Priority);
        Assert.Equal(0x0800, tag.EtherType);
    }

    [Fact]
    public void SingleTagSetsVlanIdAndDecodesIP()
    {
        var decoded = Decoded.Ethernet(Frames.Ethernet(0x8100, Frames.Concat(Frames.Vlan(42, 0x0800), Udp4)));

        Assert.True(decoded.Ok, decoded.AnomalyList);
        Assert.True(decoded.Has(PacketLayers.Ethernet | PacketLayers.Vlan | PacketLayers.IPv4 | PacketLayers.Udp));
        Assert.Equal(42, decoded.Packet.VlanId);
        Assert.Equal(0, decoded.Packet.VlanId2);
        Assert.Equal(1, decoded.Packet.VlanCount);
        Assert.Equal(0x0800, decoded.Packet.EtherType);
        Assert.Equal(18, decoded.Packet.NetworkOffset);
        Assert.Equal(1000, decoded.Packet.SourcePort);
    }

    [Theory]
    [InlineData(0x88A8)]
    [InlineData(0x9100)]
    [InlineData(0x8100)]
    public void QinQSetsBothIds(ushort outerTpid)
    {
        byte[] frame = Frames.Ethernet(outerTpid, Frames.Concat(Frames.Vlan(100, 0x8100), Frames.Vlan(200, 0x86DD),
            Frames.IPv6(17, Frames.Udp(1, 2))));

        var decoded = Decoded.Ethernet(frame);

        Assert.True(decoded.Ok, decoded.AnomalyList);
        Assert.Equal(100, decoded.Packet.VlanId);
        Assert.Equal(200, decoded.Packet.VlanId2);
        Assert.Equal(2, decoded.Packet.VlanCount);
        Assert.Equal(22, decoded.Packet.NetworkOffset);
        Assert.True(decoded.Has(PacketLayers.IPv6 | PacketLayers.Udp));
    }

    [Fact]
    public void ThreeTagsAreAcceptedAndAFourthIsTooMany()
    {
        byte[] three = Frames.Ethernet(0x88A8, Frames.Concat(Frames.Vlan(1, 0x8100), Frames.Vlan(2, 0x8100), Frames.Vlan(3, 0x0800), Udp4));
        byte[] four = Frames.Ethernet(0x88A8, Frames.Concat(Frames.Vlan(1, 0x8100), Frames.Vlan(2, 0x8100), Frames.Vlan(3, 0x8100),
            Frames.Vlan(4, 0x0800), Udp4));

        var ok = Decoded.Ethernet(three);
        var tooMany = Decoded.Ethernet(four);

        Assert.True(ok.Ok, ok.AnomalyList);
        Assert.Equal(3, ok.Packet.VlanCount);
        Assert.Equal(1, ok.Packet.VlanId);
        Assert.Equal(2, ok.Packet.VlanId2);
        Assert.False(tooMany.Ok);
        Assert.True(tooMany.Has(Anomaly.VlanTooManyLayers));
    }

    [Fact]
    public void TruncatedTagIsReported()
    {
        var decoded = Decoded.Ethernet(Frames.Ethernet(0x8100, [0x00, 0x2A, 0x08]));

        Assert.False(decoded.Ok);
        Assert.True(decoded.Has(Anomaly.VlanHeaderTooSmall));
    }

    [Fact]
    public void VlanCarryingArpIsDecoded()
    {
        var decoded = Decoded.Ethernet(Frames.Ethernet(0x8100, Frames.Concat(Frames.Vlan(7, 0x0806), Frames.Arp(1, Frames.HostA, Frames.HostB))));

        Assert.True(decoded.Ok, decoded.AnomalyList);
        Assert.True(decoded.Has(PacketLayers.Vlan | PacketLayers.Arp));
        Assert.Equal(7, decoded.Packet.VlanId);
    }
}
