using Assay.Decoding.Transport;
using Assay.Decoding.Tests.TestSupport;

namespace Assay.Decoding.Tests.Transport;

public class IcmpHeaderTests
{
    [Fact]
    public void TryReadReturnsTypeCodeAndBody()
    {
        AnomalySet anomalies = default;
        Assert.True(IcmpHeader.TryRead(Frames.Icmp(3, 4, [0, 0, 5, 0xDC]), Anomaly.IcmpPacketTooSmall, ref anomalies, out IcmpHeader icmp));
        Assert.Equal(3, icmp.Type);
        Assert.Equal(4, icmp.Code);
        Assert.Equal([0, 0, 5, 0xDC], icmp.Payload.ToArray());
    }

    [Fact]
    public void EchoRequestPayloadStartsAfterTheFourByteHeader()
    {
        var decoded = Decoded.Raw(Frames.IPv4(1, Frames.Icmp(8, 0, [0, 1, 0, 2, 0xAA, 0xBB])));

        Assert.True(decoded.Has(PacketLayers.Icmp));
        Assert.Equal(8, decoded.Packet.IcmpType);
        Assert.Equal(0, decoded.Packet.IcmpCode);
        Assert.Equal(24, decoded.Packet.PayloadOffset);
        Assert.Equal(6, decoded.Packet.PayloadLength);
        Assert.False(decoded.Packet.HasPorts);
    }

    [Fact]
    public void IcmpV6IsDecoded()
    {
        var decoded = Decoded.Raw(Frames.IPv6(58, Frames.Icmp(135, 0, new byte[20])));

        Assert.True(decoded.Has(PacketLayers.IcmpV6));
        Assert.Equal(135, decoded.Packet.IcmpType);
        Assert.Equal(44, decoded.Packet.PayloadOffset);
        Assert.Equal(0, decoded.Anomalies.Count);
    }

    [Fact]
    public void IcmpV6OverIPv4IsReported()
    {
        var decoded = Decoded.Raw(Frames.IPv4(58, Frames.Icmp(128, 0)));

        Assert.True(decoded.Has(Anomaly.IcmpV6WrongIPVersion));
        Assert.True(decoded.Has(PacketLayers.IcmpV6));
    }

    [Fact]
    public void IcmpV4OverIPv6IsReported()
    {
        var decoded = Decoded.Raw(Frames.IPv6(1, Frames.Icmp(8, 0)));

        Assert.True(decoded.Has(Anomaly.IPv6IcmpV4));
        Assert.True(decoded.Has(PacketLayers.Icmp));
    }

    [Fact]
    public void ShortMessagesAreReported()
    {
        Assert.True(Decoded.Raw(Frames.IPv4(1, [8, 0, 0])).Has(Anomaly.IcmpPacketTooSmall));
        Assert.True(Decoded.Raw(Frames.IPv6(58, [128])).Has(Anomaly.IcmpV6PacketTooSmall));
    }
}
