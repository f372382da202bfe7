using Assay.Decoding.Network;
using Assay.Decoding.Tests.TestSupport;

namespace Assay.Decoding.Tests.Network;

public class IPv4HeaderTests
{
    private static byte[] Udp => Frames.Udp(1234, 53, [1, 2, 3, 4, 5]);

    [Fact]
    public void TryReadReturnsTheFields()
    {
        byte[] packet = Frames.IPv4(17, Udp, id: 0xBEEF, ttl: 33, dontFragment: true);
        AnomalySet anomalies = default;

        Assert.True(IPv4Header.TryRead(packet, ref anomalies, out IPv4Header header));
        Assert.Equal(0, anomalies.Count);
        Assert.Equal(20, header.HeaderLength);
        Assert.Equal(packet.Length, header.TotalLength);
        Assert.Equal(0xBEEF, header.Identification);
        Assert.True(header.DontFragment);
        Assert.False(header.IsFragment);
        Assert.Equal(33, header.Ttl);
        Assert.Equal(17, header.Protocol);
        Assert.Equal(Frames.HostA, header.SourceAddress);
        Assert.Equal(Frames.HostB, header.DestinationAddress);
        Assert.Equal(Udp, header.Payload.ToArray());
    }

    [Fact]
    public void AddressesAreStoredIPv4Mapped()
    {
        var decoded = Decoded.Raw(Frames.IPv4(17, Udp, source: 0x01020304, destination: 0xFFFFFFFF));

        Assert.Equal(new UInt128(0, 0x0000_FFFF_0102_0304UL), decoded.Packet.Source);
        Assert.Equal(new UInt128(0, 0x0000_FFFF_FFFF_FFFFUL), decoded.Packet.Destination);
        Assert.Equal(4, decoded.Packet.IPVersion);
        Assert.Equal(64, decoded.Packet.Ttl);
        Assert.Equal(0x1234u, decoded.Packet.FragmentId);
    }

    [Fact]
    public void BadChecksumIsReportedAndDecodingContinues()
    {
        var decoded = Decoded.Raw(Frames.IPv4(17, Udp, corruptChecksum: true));

        Assert.True(decoded.Ok);
        Assert.True(decoded.Has(Anomaly.IPv4ChecksumInvalid));
        Assert.True(decoded.Has(PacketLayers.Udp));
        Assert.Equal(53, decoded.Packet.DestinationPort);
    }

    [Fact]
    public void ChecksumOverOptionsIsVerified()
    {
        byte[] options = [0x94, 0x04, 0x00, 0x00];     // router alert
        Assert.Equal(0, Decoded.Raw(Frames.IPv4(17, Udp, options: options)).Anomalies.Count);

        byte[] packet = Frames.IPv4(17, Udp, options: options);
        packet[22] ^= 1;                                    // corrupt an option byte after the checksum was computed
        Assert.True(Decoded.Raw(packet).Has(Anomaly.IPv4ChecksumInvalid));
    }

    [Fact]
    public void ValidOptionsAreWalkedQuietly()
    {
        byte[] options = Frames.Concat(
            [1],                                            // NOP
            [7, 7, 4, 0, 0, 0, 0],                          // record route, one slot
            [0x94, 4, 0, 0],                                // router alert
            [0, 0, 0, 0xFF]);                               // EOL (the walk stops here), then padding it never reads
        var decoded = Decoded.Raw(Frames.IPv4(6, Frames.Tcp(1, 2), options: options));

        Assert.True(decoded.Ok);
        Assert.Equal(0, decoded.Anomalies.Count);
        Assert.Equal(20 + 16, decoded.Packet.TransportOffset);
        Assert.True(decoded.Has(PacketLayers.Tcp));
    }

    [Theory]
    [InlineData(new byte[] { 7, 1, 0, 0 })]             // length below 2
    [InlineData(new byte[] { 7, 9, 4, 0 })]             // runs past the header
    [InlineData(new byte[] { 1, 1, 1, 0x44 })]          // type with no room for its length byte
    public void OptionLengthPastTheHeaderIsReported(byte[] options)
    {
        var decoded = Decoded.Raw(Frames.IPv4(17, Udp, options: options));

        Assert.True(decoded.Ok);
        Assert.True(decoded.Has(Anomaly.IPv4OptionLengthInvalid));
        Assert.True(decoded.Has(PacketLayers.Udp));
    }

    [Theory]
    [InlineData(new byte[] { 0x94, 3, 0, 1 })]          // router alert must be 4 bytes
    [InlineData(new byte[] { 7, 3, 3, 1 })]             // record route pointer below 4
    [InlineData(new byte[] { 68, 4, 4, 0 })]            // timestamp pointer below 5
    [InlineData(new byte[] { 136, 3, 0, 1 })]           // stream id must be 4 bytes
    public void OptionWithImpossibleLengthOrPointerIsReported(byte[] options)
    {
        var decoded = Decoded.Raw(Frames.IPv4(17, Udp, options: options));

        Assert.True(decoded.Ok);
        Assert.True(decoded.Has(Anomaly.IPv4OptionInvalid), decoded.AnomalyList);
    }

    [Fact]
    public void TotalLengthBeyondCaptureIsReportedAndPayloadClipped()
    {
        byte[] packet = Frames.IPv4(6, Frames.Tcp(1, 2, payload: new byte[100]));
        var decoded = Decoded.Raw(packet[..(20 + 20 + 30)]);

        Assert.True(decoded.Ok);
        Assert.True(decoded.Has(Anomaly.IPv4TotalLengthPastEnd));
        Assert.Equal(140, decoded.Packet.NetworkLength);
        Assert.Equal(30, decoded.Packet.PayloadLength);
        Assert.True(decoded.Has(PacketLayers.Tcp));
    }

    [Fact]
    public void ZeroTotalLengthIsTakenAsTsoAndUsesTheCapturedLength()
    {
        byte[] packet = Frames.IPv4(6, Frames.Tcp(1, 2, payload: new byte[3000]), totalLength: 0);
        var decoded = Decoded.Raw(packet);

        Assert.True(decoded.Ok);
        Assert.True(decoded.Has(Anomaly.IPv4TotalLengthTooSmall));
        Assert.Equal(3000, decoded.Packet.PayloadLength);
        Assert.Equal(packet.Length, decoded.Packet.NetworkLength);
    }

    [Fact]
    public void TotalLengthBelowHeaderLengthIsRejected()
    {
        var decoded = Decoded.Raw(Frames.IPv4(17, Udp, totalLength: 19));

        Assert.False(decoded.Ok);
        Assert.True(decoded.Has(Anomaly.IPv4TotalLengthTooSmall));
    }

    [Theory]
    [InlineData(0x40)]
    [InlineData(0x44)]
    public void HeaderLengthBelowTwentyIsRejected(byte firstByte)
    {
        byte[] packet = Frames.IPv4(17, Udp);
        packet[0] = firstByte;

        var decoded = Decoded.Of(Assay.Decoding.Link.LinkTypes.IPv4, packet);

        Assert.False(decoded.Ok);
        Assert.True(decoded.Has(Anomaly.IPv4HeaderLengthTooSmall));
    }

    [Fact]
    public void HeaderLengthPastTheCaptureIsRejected()
    {
        byte[] packet = Frames.IPv4(17, [], options: new byte[40]);

        var decoded = Decoded.Raw(packet[..50]);

        Assert.False(decoded.Ok);
        Assert.True(decoded.Has(Anomaly.IPv4HeaderLengthPastEnd));
    }

    [Fact]
    public void WrongVersionIsRejected()
    {
        var decoded = Decoded.Of(Assay.Decoding.Link.LinkTypes.IPv4, Frames.IPv4(17, Udp, version: 6));

        Assert.False(decoded.Ok);
        Assert.True(decoded.Has(Anomaly.IPv4WrongVersion));
    }

    [Fact]
    public void ShortPacketIsRejected()
    {
        var decoded = Decoded.Of(Assay.Decoding.Link.LinkTypes.IPv4, new byte[19]);

        Assert.False(decoded.Ok);
        Assert.True(decoded.Has(Anomaly.IPv4PacketTooSmall));
    }

    [Fact]
    public void FirstFragmentSetsFragmentFieldsAndProtocolButNoTransport()
    {
        byte[] packet = Frames.IPv4(6, Frames.Tcp(1, 2, payload: new byte[12]), id: 77, moreFragments: true);

        var decoded = Decoded.Raw(packet);

        Assert.True(decoded.Ok);
        Assert.True(decoded.Packet.IsFragment);
        Assert.Equal(6, decoded.Packet.Protocol);
        Assert.Equal(77u, decoded.Packet.FragmentId);
        Assert.Equal(0, decoded.Packet.FragmentOffset);
        Assert.True(decoded.Packet.MoreFragments);
        Assert.Equal(20, decoded.Packet.FragmentPayloadOffset);
        Assert.Equal(32, decoded.Packet.FragmentPayloadLength);
        Assert.False(decoded.Has(PacketLayers.Tcp));
        Assert.Equal(0, decoded.Packet.SourcePort);
        Assert.Equal(0, decoded.Packet.PayloadLength);
    }

    [Fact]
    public void LastFragmentHasOffsetInBytes()
    {
        var decoded = Decoded.Raw(Frames.IPv4(17, new byte[10], fragmentOffset: 1480));

        Assert.True(decoded.Packet.IsFragment);
        Assert.Equal(1480, decoded.Packet.FragmentOffset);
        Assert.False(decoded.Packet.MoreFragments);
        Assert.Equal(10, decoded.Packet.FragmentPayloadLength);
        Assert.Equal(17, decoded.Packet.Protocol);
    }

    [Fact]
    public void UnknownProtocolIsOtherTransportWithThePayload()
    {
        var decoded = Decoded.Raw(Frames.IPv4(47, [0, 0, 0x08, 0x00, 1, 2, 3]));   // GRE

        Assert.True(decoded.Ok);
        Assert.True(decoded.Has(PacketLayers.OtherTransport));
        Assert.Equal(47, decoded.Packet.Protocol);
        Assert.Equal(20, decoded.Packet.PayloadOffset);
        Assert.Equal(7, decoded.Packet.PayloadLength);
        Assert.False(decoded.Packet.HasPorts);
    }
}
