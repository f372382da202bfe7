using Assay.Decoding.Link;
using Assay.Decoding.Tests.TestSupport;

namespace Assay.Decoding.Tests.Link;

public class EthernetHeaderTests
{
    [Fact]
    public void TryReadReturnsAddressesEtherTypeAndPayload()
    {
        byte[] frame = Frames.Ethernet(0x86DD, [1, 2, 3]);
        AnomalySet anomalies = default;

        Assert.True(EthernetHeader.TryRead(frame, ref anomalies, out EthernetHeader header));
        Assert.Equal(Frames.MacB, header.Destination.ToArray());
        Assert.Equal(Frames.MacA, header.Source.ToArray());
        Assert.Equal(0x86DD, header.EtherType);
        Assert.Equal([1, 2, 3], header.Payload.ToArray());
        Assert.Equal(0, anomalies.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(13)]
    public void TryReadRejectsShortFrames(int length)
    {
        AnomalySet anomalies = default;
        Assert.False(EthernetHeader.TryRead(new byte[length], ref anomalies, out _));
        Assert.True(anomalies.Contains(Anomaly.EthernetPacketTooSmall));
    }

    [Fact]
    public void UnknownEtherTypeIsReportedAndNotIP()
    {
        var decoded = Decoded.Ethernet(Frames.Ethernet(0x88CC, new byte[30]));   // LLDP

        Assert.False(decoded.Ok);
        Assert.True(decoded.Has(Anomaly.EtherTypeUnknown));
        Assert.Equal(0x88CC, decoded.Packet.EtherType);
        Assert.Equal(PacketLayers.Ethernet, decoded.Packet.Layers);
    }

    [Fact]
    public void EthernetPaddingAfterTheIPDatagramIsNotPayload()
    {
        byte[] ip = Frames.IPv4(17, Frames.Udp(53, 5353, [0xAA]));            // 29 bytes: padded to the 46-byte minimum
        byte[] frame = Frames.Ethernet(0x0800, Frames.Concat(ip, new byte[46 - ip.Length]));

        var decoded = Decoded.Ethernet(frame);

        Assert.True(decoded.Ok, decoded.AnomalyList);
        Assert.Equal(0, decoded.Anomalies.Count);
        Assert.Equal(1, decoded.Packet.PayloadLength);
        Assert.Equal(14 + 20 + 8, decoded.Packet.PayloadOffset);
        Assert.Equal(29, decoded.Packet.NetworkLength);
    }
}
