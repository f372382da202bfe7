using Assay.Decoding.Transport;
using Assay.Decoding.Tests.TestSupport;

namespace Assay.Decoding.Tests.Transport;

public class UdpHeaderTests
{
    [Fact]
    public void TryReadReturnsTheFields()
    {
        AnomalySet anomalies = default;
        Assert.True(UdpHeader.TryRead(Frames.Udp(53, 40000, [1, 2, 3]), 11, ref anomalies, out UdpHeader udp));
        Assert.Equal(53, udp.SourcePort);
        Assert.Equal(40000, udp.DestinationPort);
        Assert.Equal(11, udp.LengthField);
        Assert.Equal([1, 2, 3], udp.Payload.ToArray());
        Assert.Equal(0, anomalies.Count);
    }

    [Fact]
    public void DecoderFillsPortsAndPayload()
    {
        var decoded = Decoded.Ethernet(Frames.Ethernet(0x0800, Frames.IPv4(17, Frames.Udp(5353, 5353, new byte[40]))));

        Assert.True(decoded.Has(PacketLayers.Udp));
        Assert.True(decoded.Packet.HasPorts);
        Assert.Equal(5353, decoded.Packet.SourcePort);
        Assert.Equal(42, decoded.Packet.PayloadOffset);
        Assert.Equal(40, decoded.Packet.PayloadLength);
    }

    [Fact]
    public void LengthBelowTheIPLengthTrimsThePayload()
    {
        // Zeek's fake-syslog-with-padding: UDP says 3 bytes of data, IP carries 10.
        byte[] packet = Frames.IPv4(17, Frames.Udp(514, 514, new byte[10], length: 11));

        var decoded = Decoded.Raw(packet);

        Assert.Equal(0, decoded.Anomalies.Count);
        Assert.Equal(3, decoded.Packet.PayloadLength);
    }

    [Fact]
    public void LengthBeyondTheIPLengthIsReportedAndClipped()
    {
        var decoded = Decoded.Raw(Frames.IPv4(17, Frames.Udp(1, 2, new byte[4], length: 100)));

        Assert.True(decoded.Has(Anomaly.UdpLengthPastEnd));
        Assert.True(decoded.Has(PacketLayers.Udp));
        Assert.Equal(4, decoded.Packet.PayloadLength);
    }

    [Fact]
    public void SnapLengthCutIsNotBlamedOnUdp()
    {
        byte[] packet = Frames.IPv4(17, Frames.Udp(1, 2, new byte[100]));

        var decoded = Decoded.Raw(packet[..40]);

        Assert.True(decoded.Has(Anomaly.IPv4TotalLengthPastEnd));
        Assert.False(decoded.Has(Anomaly.UdpLengthPastEnd));
        Assert.Equal(12, decoded.Packet.PayloadLength);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public void LengthBelowEightIsReportedAndTheIPLengthUsed(int length)
    {
        var decoded = Decoded.Raw(Frames.IPv4(17, Frames.Udp(1, 2, new byte[6], length: length)));

        Assert.True(decoded.Has(Anomaly.UdpLengthTooSmall));
        Assert.True(decoded.Has(PacketLayers.Udp));
        Assert.Equal(6, decoded.Packet.PayloadLength);
    }

    [Fact]
    public void ShortDatagramIsReported()
    {
        var decoded = Decoded.Raw(Frames.IPv4(17, new byte[7]));

        Assert.True(decoded.Ok);
        Assert.True(decoded.Has(Anomaly.UdpPacketTooSmall));
        Assert.False(decoded.Has(PacketLayers.Udp));
    }
}
