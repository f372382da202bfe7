using Assay.Decoding.Network;
using Assay.Decoding.Tests.TestSupport;

namespace Assay.Decoding.Tests.Network;

public class IPv6HeaderTests
{
    private const byte HopByHop = 0;
    private const byte Tcp = 6;
    private const byte Udp = 17;
    private const byte Routing = 43;
    private const byte Fragment = 44;
    private const byte Esp = 50;
    private const byte AH = 51;
    private const byte IcmpV6 = 58;
    private const byte NoNext = 59;
    private const byte DstOpts = 60;

    private static byte[] TcpSegment => Frames.Tcp(443, 50000, payload: [1, 2, 3]);

    [Fact]
    public void TryReadReturnsTheFields()
    {
        byte[] packet = Frames.IPv6(Udp, Frames.Udp(1, 2), hopLimit: 7, flowLabel: 0xABCDE);
        AnomalySet anomalies = default;

        Assert.True(IPv6Header.TryRead(packet, ref anomalies, out IPv6Header header));
        Assert.Equal(0xABCDEu, header.FlowLabel);
        Assert.Equal(8, header.PayloadLength);
        Assert.Equal(Udp, header.NextHeader);
        Assert.Equal(7, header.HopLimit);
        Assert.Equal(Frames.HostA6, header.Source);
        Assert.Equal(Frames.HostB6, header.Destination);
        Assert.Equal(8, header.Payload.Length);
    }

    [Fact]
    public void PlainTcpIsDecoded()
    {
        var decoded = Decoded.Raw(Frames.IPv6(Tcp, TcpSegment));

        Assert.True(decoded.Ok);
        Assert.Equal(0, decoded.Anomalies.Count);
        Assert.Equal(6, decoded.Packet.IPVersion);
        Assert.Equal(Frames.HostA6, decoded.Packet.Source);
        Assert.Equal(Tcp, decoded.Packet.Protocol);
        Assert.Equal(40, decoded.Packet.TransportOffset);
        Assert.Equal(60, decoded.Packet.PayloadOffset);
        Assert.Equal(3, decoded.Packet.PayloadLength);
        Assert.Equal(63, decoded.Packet.NetworkLength);
    }

    [Fact]
    public void ExtensionChainIsWalkedToTheUpperLayer()
    {
        byte[] chain = Frames.Concat(
            Frames.Extension(DstOpts),                     // hop-by-hop, first
            Frames.Extension(Routing, [1, 4, 0x11, 0x22, 0x33, 0x44]),   // destination options with one option
            Frames.Routing(AH, type: 2),
            Frames.AuthenticationHeader(Tcp));
        int chainLength = 8 + 8 + 24 + 24;
        Assert.Equal(chainLength, chain.Length);
        byte[] packet = Frames.IPv6(HopByHop, Frames.Concat(chain, TcpSegment));

        var decoded = Decoded.Raw(packet);

        Assert.True(decoded.Ok);
        Assert.Equal(0, decoded.Anomalies.Count);
        Assert.Equal(Tcp, decoded.Packet.Protocol);
        Assert.Equal(40 + chainLength, decoded.Packet.TransportOffset);
        Assert.True(decoded.Has(PacketLayers.Tcp));
        Assert.Equal(443, decoded.Packet.SourcePort);
        Assert.Equal(3, decoded.Packet.PayloadLength);
    }

    [Fact]
    public void HopByHopAfterAnotherHeaderIsReported()
    {
        byte[] packet = Frames.IPv6(DstOpts, Frames.Concat(Frames.Extension(HopByHop), Frames.Extension(Udp), Frames.Udp(1, 2)));

        var decoded = Decoded.Raw(packet);

        Assert.True(decoded.Has(Anomaly.IPv6HopByHopNotFirst));
        Assert.True(decoded.Has(PacketLayers.Udp));
    }

    [Fact]
    public void RoutingTypeZeroIsReported()
    {
        var decoded = Decoded.Raw(Frames.IPv6(Routing, Frames.Concat(Frames.Routing(IcmpV6, type: 0), Frames.Icmp(128, 0, [0, 1, 0, 1]))));

        Assert.True(decoded.Has(Anomaly.IPv6RoutingType0));
        Assert.True(decoded.Has(PacketLayers.IcmpV6));
    }

    [Fact]
    public void OptionRunningPastItsHeaderIsReported()
    {
        byte[] header = Frames.Extension(Udp);
        header[2] = 0x05;                                   // router alert ...
        header[3] = 0x09;                                   // ... claiming 9 data bytes in a 6-byte area
        var decoded = Decoded.Raw(Frames.IPv6(HopByHop, Frames.Concat(header, Frames.Udp(1, 2))));

        Assert.True(decoded.Has(Anomaly.IPv6OptionLengthInvalid));
        Assert.True(decoded.Has(PacketLayers.Udp));
    }

    [Theory]
    [InlineData(Esp)]
    [InlineData(NoNext)]
    public void EspAndNoNextHeaderEndDecoding(byte next)
    {
        var decoded = Decoded.Raw(Frames.IPv6(DstOpts, Frames.Concat(Frames.Extension(next), new byte[16])));

        Assert.True(decoded.Ok);
        Assert.Equal(next, decoded.Packet.Protocol);
        Assert.True(decoded.Has(PacketLayers.OtherTransport));
        Assert.Equal(48, decoded.Packet.PayloadOffset);
        Assert.Equal(16, decoded.Packet.PayloadLength);
    }

    [Fact]
    public void TooManyExtensionHeadersIsReported()
    {
        var chain = new List<byte[]>();
        for (int i = 0; i < IPv6ExtensionHeader.MaxHeaders; i++)
            chain.Add(Frames.Extension(DstOpts));
        chain.Add(Frames.Extension(Udp));
        chain.Add(Frames.Udp(1, 2));

        var decoded = Decoded.Raw(Frames.IPv6(DstOpts, Frames.Concat([.. chain])));

        Assert.True(decoded.Ok);
        Assert.True(decoded.Has(Anomaly.IPv6TooManyExtensionHeaders));
        Assert.False(decoded.Has(PacketLayers.Udp));
        Assert.Equal(DstOpts, decoded.Packet.Protocol);
    }

    [Fact]
    public void MaxExtensionHeadersAreAllowed()
    {
        var chain = new List<byte[]>();
        for (int i = 0; i < IPv6ExtensionHeader.MaxHeaders - 1; i++)
            chain.Add(Frames.Extension(DstOpts));
        chain.Add(Frames.Extension(Udp));
        chain.Add(Frames.Udp(1, 2));

        var decoded = Decoded.Raw(Frames.IPv6(DstOpts, Frames.Concat([.. chain])));

        Assert.True(decoded.Has(PacketLayers.Udp), decoded.AnomalyList);
    }

    [Fact]
    public void ExtensionHeaderPastTheEndIsReported()
    {
        byte[] header = Frames.Extension(Udp);
        header[1] = 3;                                      // claims 32 bytes
        var decoded = Decoded.Raw(Frames.IPv6(DstOpts, Frames.Concat(header, Frames.Udp(1, 2))));

        Assert.True(decoded.Ok);
        Assert.True(decoded.Has(Anomaly.IPv6ExtensionHeaderPastEnd));
        Assert.Equal(DstOpts, decoded.Packet.Protocol);
        Assert.False(decoded.Has(PacketLayers.Udp));
    }

    [Fact]
    public void ExtensionHeaderShorterThanEightBytesIsReported()
    {
        var decoded = Decoded.Raw(Frames.IPv6(HopByHop, [Udp, 0, 1, 0]));

        Assert.True(decoded.Ok);
        Assert.True(decoded.Has(Anomaly.IPv6ExtensionHeaderTooSmall));
    }

    [Fact]
    public void FragmentHeaderFillsTheFragmentFields()
    {
        byte[] unfragmentable = Frames.Extension(Fragment);            // hop-by-hop before the fragment header
        byte[] packet = Frames.IPv6(HopByHop, Frames.Concat(unfragmentable, Frames.FragmentHeader(Udp, 1448, more: true, id: 0xCAFE), new byte[16]));

        var decoded = Decoded.Raw(packet);

        Assert.True(decoded.Ok);
        Assert.True(decoded.Packet.IsFragment);
        Assert.Equal(0xCAFEu, decoded.Packet.FragmentId);
        Assert.Equal(1448, decoded.Packet.FragmentOffset);
        Assert.True(decoded.Packet.MoreFragments);
        Assert.Equal(Udp, decoded.Packet.FragmentNextHeader);
        Assert.Equal(Udp, decoded.Packet.Protocol);
        Assert.Equal(48, decoded.Packet.UnfragmentableLength);
        Assert.Equal(56, decoded.Packet.FragmentPayloadOffset);
        Assert.Equal(16, decoded.Packet.FragmentPayloadLength);
        Assert.False(decoded.Has(PacketLayers.Udp));
    }

    [Fact]
    public void AtomicFragmentIsDecodedAsAWholePacket()
    {
        byte[] packet = Frames.IPv6(Fragment, Frames.Concat(Frames.FragmentHeader(Tcp, 0, more: false, id: 5), TcpSegment));

        var decoded = Decoded.Raw(packet);

        Assert.False(decoded.Packet.IsFragment);
        Assert.True(decoded.Has(Anomaly.IPv6AtomicFragment));
        Assert.True(decoded.Has(PacketLayers.Tcp));
        Assert.Equal(48, decoded.Packet.TransportOffset);
    }

    [Fact]
    public void SecondFragmentHeaderIsReported()
    {
        byte[] packet = Frames.IPv6(Fragment, Frames.Concat(
            Frames.FragmentHeader(Fragment, 0, more: false, id: 5),
            Frames.FragmentHeader(Udp, 0, more: false, id: 6),
            Frames.Udp(1, 2)));

        var decoded = Decoded.Raw(packet);

        Assert.True(decoded.Has(Anomaly.IPv6DuplicateFragmentHeader));
        Assert.True(decoded.Has(PacketLayers.Udp));
    }

    [Fact]
    public void ZeroPayloadLengthUsesTheCapturedBytes()
    {
        var decoded = Decoded.Raw(Frames.IPv6(Tcp, TcpSegment, payloadLength: 0));

        Assert.True(decoded.Ok);
        Assert.Equal(0, decoded.Anomalies.Count);
        Assert.Equal(3, decoded.Packet.PayloadLength);
    }

    [Fact]
    public void PayloadLengthPastTheCaptureIsReportedAndClipped()
    {
        byte[] packet = Frames.IPv6(Tcp, Frames.Tcp(1, 2, payload: new byte[100]));
        var decoded = Decoded.Raw(packet[..(40 + 20 + 10)]);

        Assert.True(decoded.Ok);
        Assert.True(decoded.Has(Anomaly.IPv6PayloadLengthPastEnd));
        Assert.Equal(10, decoded.Packet.PayloadLength);
        Assert.Equal(160, decoded.Packet.NetworkLength);
    }

    [Fact]
    public void TrailingBytesAfterThePayloadLengthAreIgnored()
    {
        byte[] packet = Frames.Concat(Frames.IPv6(Udp, Frames.Udp(1, 2, [7])), new byte[10]);
        var decoded = Decoded.Raw(packet);

        Assert.Equal(1, decoded.Packet.PayloadLength);
        Assert.Equal(0, decoded.Anomalies.Count);
    }

    [Fact]
    public void WrongVersionAndShortPacketAreRejected()
    {
        byte[] packet = Frames.IPv6(Udp, Frames.Udp(1, 2));
        packet[0] = 0x40;
        Assert.True(Decoded.Of(Assay.Decoding.Link.LinkTypes.IPv6, packet).Has(Anomaly.IPv6WrongVersion));
        Assert.True(Decoded.Of(Assay.Decoding.Link.LinkTypes.IPv6, new byte[39]).Has(Anomaly.IPv6PacketTooSmall));
    }
}
