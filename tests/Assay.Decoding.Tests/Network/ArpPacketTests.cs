using Assay.Decoding.Network;
using Assay.Decoding.Tests.TestSupport;

namespace Assay.Decoding.Tests.Network;

public class ArpPacketTests
{
    [Fact]
    public void EthernetIPv4ArpFillsAddressesAndOperation()
    {
        byte[] frame = Frames.Ethernet(0x0806, Frames.Concat(Frames.Arp(1, Frames.HostA, Frames.HostB), new byte[18]));

        var decoded = Decoded.Ethernet(frame);

        Assert.True(decoded.Ok, decoded.AnomalyList);
        Assert.Equal(PacketLayers.Ethernet | PacketLayers.Arp, decoded.Packet.Layers);
        Assert.Equal(Frames.Mapped(Frames.HostA), decoded.Packet.Source);
        Assert.Equal(Frames.Mapped(Frames.HostB), decoded.Packet.Destination);
        Assert.Equal(1, decoded.Packet.ArpOperation);
        Assert.Equal(0x0806, decoded.Packet.EtherType);
        Assert.Equal(0, decoded.Packet.IPVersion);
        Assert.False(decoded.Packet.HasPorts);
        Assert.Equal(14, decoded.Packet.NetworkOffset);
        Assert.Equal(28, decoded.Packet.NetworkLength);
    }

    [Fact]
    public void ReverseArpIsDecodedAsArp()
    {
        var decoded = Decoded.Ethernet(Frames.Ethernet(0x8035, Frames.Arp(3, 0, 0)));

        Assert.True(decoded.Ok, decoded.AnomalyList);
        Assert.True(decoded.Has(PacketLayers.Arp));
        Assert.Equal(3, decoded.Packet.ArpOperation);
        Assert.Equal(0x8035, decoded.Packet.EtherType);
    }

    [Fact]
    public void TryReadExposesTheAddressFields()
    {
        AnomalySet anomalies = default;
        Assert.True(ArpPacket.TryRead(Frames.Arp(2, Frames.HostA, Frames.HostB), ref anomalies, out ArpPacket arp));
        Assert.True(arp.IsEthernetIPv4);
        Assert.Equal(Frames.MacA, arp.SenderHardwareAddress.ToArray());
        Assert.Equal(Frames.U32(Frames.HostA), arp.SenderProtocolAddress.ToArray());
        Assert.Equal(new byte[6], arp.TargetHardwareAddress.ToArray());
        Assert.Equal(Frames.U32(Frames.HostB), arp.TargetProtocolAddress.ToArray());
    }

    [Fact]
    public void OtherHardwareIsArpWithoutAddresses()
    {
        // htype 6 (IEEE 802), ptype IPv4, hlen 2, plen 4
        byte[] arp = Frames.Concat(Frames.U16(6), Frames.U16(0x0800), [2, 4], Frames.U16(1), new byte[12]);

        var decoded = Decoded.Ethernet(Frames.Ethernet(0x0806, arp));

        Assert.True(decoded.Ok);
        Assert.True(decoded.Has(PacketLayers.Arp));
        Assert.Equal(UInt128.Zero, decoded.Packet.Source);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(27)]
    public void TruncatedArpIsRejected(int length)
    {
        var decoded = Decoded.Ethernet(Frames.Ethernet(0x0806, Frames.Arp(1, Frames.HostA, Frames.HostB)[..length]));

        Assert.False(decoded.Ok);
        Assert.True(decoded.Has(Anomaly.ArpPacketTooSmall));
    }
}
