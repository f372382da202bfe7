using Assay.Decoding.Transport;
using Assay.Decoding.Tests.TestSupport;

namespace Assay.Decoding.Tests.Transport;

public class SctpHeaderTests
{
    [Fact]
    public void PortsAndChunksAreDecoded()
    {
        byte[] chunk = [1, 0, 0, 4];
        var decoded = Decoded.Raw(Frames.IPv4(132, Frames.Sctp(2905, 2905, chunk)));

        Assert.True(decoded.Has(PacketLayers.Sctp));
        Assert.True(decoded.Packet.HasPorts);
        Assert.Equal(2905, decoded.Packet.SourcePort);
        Assert.Equal(32, decoded.Packet.PayloadOffset);
        Assert.Equal(4, decoded.Packet.PayloadLength);
    }

    [Fact]
    public void TryReadExposesTheVerificationTag()
    {
        AnomalySet anomalies = default;
        Assert.True(SctpHeader.TryRead(Frames.Sctp(1, 2), ref anomalies, out SctpHeader sctp));
        Assert.Equal(0xCAFEBABEu, sctp.VerificationTag);
    }

    [Fact]
    public void ShortPacketIsReported()
    {
        var decoded = Decoded.Raw(Frames.IPv6(132, new byte[11]));

        Assert.True(decoded.Ok);
        Assert.True(decoded.Has(Anomaly.SctpPacketTooSmall));
        Assert.False(decoded.Has(PacketLayers.Sctp));
    }
}
