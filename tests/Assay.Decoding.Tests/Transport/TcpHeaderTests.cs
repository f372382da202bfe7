using Assay.Decoding.Transport;
using Assay.Decoding.Tests.TestSupport;

namespace Assay.Decoding.Tests.Transport;

public class TcpHeaderTests
{
    private static Decoded DecodeTcp(byte[] segment) => Decoded.Raw(Frames.IPv4(6, segment));

    [Fact]
    public void TryReadReturnsTheFields()
    {
        byte[] segment = Frames.Tcp(1234, 80, sequence: 0x01020304, acknowledgment: 0x0A0B0C0D, flags: TcpFlags.Ack | TcpFlags.Psh,
            window: 4096, payload: [1, 2]);
        AnomalySet anomalies = default;

        Assert.True(TcpHeader.TryRead(segment, ref anomalies, out TcpHeader tcp));
        Assert.Equal(1234, tcp.SourcePort);
        Assert.Equal(80, tcp.DestinationPort);
        Assert.Equal(0x01020304u, tcp.SequenceNumber);
        Assert.Equal(0x0A0B0C0Du, tcp.AcknowledgmentNumber);
        Assert.Equal(TcpFlags.Ack | TcpFlags.Psh, tcp.Flags);
        Assert.Equal(4096, tcp.Window);
        Assert.Equal(20, tcp.HeaderLength);
        Assert.Equal([1, 2], tcp.Payload.ToArray());
    }

    [Fact]
    public void DecoderFillsTcpFieldsAndPayload()
    {
        var decoded = Decoded.Ethernet(Frames.EthernetIPv4Tcp("hello"u8.ToArray()));

        Assert.True(decoded.Ok);
        Assert.Equal(0, decoded.Anomalies.Count);
        DecodedPacket p = decoded.Packet;
        Assert.Equal(PacketLayers.Ethernet | PacketLayers.IPv4 | PacketLayers.Tcp, p.Layers);
        Assert.Equal(40000, p.SourcePort);
        Assert.Equal(443, p.DestinationPort);
        Assert.Equal(1000u, p.TcpSequence);
        Assert.Equal(2000u, p.TcpAcknowledgment);
        Assert.Equal(TcpFlags.Ack | TcpFlags.Psh, p.TcpFlags);
        Assert.Equal(34, p.TransportOffset);
        Assert.Equal(34 + 32, p.PayloadOffset);
        Assert.Equal(5, p.PayloadLength);
        Assert.True(p.TcpHasTimestamps);
        Assert.Equal(7u, p.TcpTimestampValue);
        Assert.Equal(9u, p.TcpTimestampEcho);
        Assert.Equal(DecodedPacket.NoWindowScale, p.TcpWindowScale);
        Assert.Equal(0, p.TcpMss);
    }

    [Fact]
    public void SynOptionsAreRead()
    {
        var decoded = DecodeTcp(Frames.Tcp(1, 2, flags: TcpFlags.Syn, options: Frames.LinuxSynOptions(tsValue: 0xDEADBEEF)));

        Assert.Equal(0, decoded.Anomalies.Count);
        Assert.Equal(1460, decoded.Packet.TcpMss);
        Assert.Equal(7, decoded.Packet.TcpWindowScale);
        Assert.True(decoded.Packet.TcpSackPermitted);
        Assert.True(decoded.Packet.TcpHasTimestamps);
        Assert.Equal(0xDEADBEEFu, decoded.Packet.TcpTimestampValue);
        Assert.Equal(0, decoded.Packet.TcpSackBlocks);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    public void SackBlocksAreCounted(int blocks)
    {
        byte[] sack = Frames.Concat([1, 1, 5, (byte)(2 + (8 * blocks))], new byte[8 * blocks]);
        var decoded = DecodeTcp(Frames.Tcp(1, 2, options: sack));

        Assert.Equal(0, decoded.Anomalies.Count);
        Assert.Equal(blocks, decoded.Packet.TcpSackBlocks);
    }

    [Theory]
    [InlineData(new byte[] { 2, 0, 0, 0 })]                  // length 0
    [InlineData(new byte[] { 1, 1, 1, 2 })]                  // kind with no length byte
    [InlineData(new byte[] { 8, 12, 0, 0, 0, 0, 0, 0 })]     // past the header
    public void OptionLengthThatBreaksTheWalkIsReported(byte[] options)
    {
        var decoded = DecodeTcp(Frames.Tcp(1, 2, options: options, payload: [1]));

        Assert.True(decoded.Has(Anomaly.TcpOptionLengthInvalid), decoded.AnomalyList);
        Assert.True(decoded.Has(PacketLayers.Tcp));
        Assert.Equal(1, decoded.Packet.PayloadLength);
    }

    [Theory]
    [InlineData(new byte[] { 2, 3, 5, 1 })]                  // MSS must be 4
    [InlineData(new byte[] { 3, 4, 7, 1 })]                  // window scale must be 3
    [InlineData(new byte[] { 5, 2, 1, 1 })]                  // SACK with no block
    [InlineData(new byte[] { 5, 6, 0, 0, 0, 0, 1, 1 })]      // SACK with half a block
    [InlineData(new byte[] { 8, 6, 0, 0, 0, 0, 1, 1 })]      // timestamps must be 10
    public void KnownOptionWithWrongLengthIsReportedAndSkipped(byte[] options)
    {
        var decoded = DecodeTcp(Frames.Tcp(1, 2, options: options));

        Assert.True(decoded.Has(Anomaly.TcpOptionLengthInvalid), decoded.AnomalyList);
        Assert.Equal(0, decoded.Packet.TcpMss);
        Assert.Equal(DecodedPacket.NoWindowScale, decoded.Packet.TcpWindowScale);
        Assert.Equal(0, decoded.Packet.TcpSackBlocks);
        Assert.False(decoded.Packet.TcpHasTimestamps);
    }

    [Fact]
    public void DuplicateOptionIsReportedAndTheFirstWins()
    {
        byte[] options = [2, 4, 0x05, 0xB4, 2, 4, 0x00, 0x10];
        var decoded = DecodeTcp(Frames.Tcp(1, 2, flags: TcpFlags.Syn, options: options));

        Assert.True(decoded.Has(Anomaly.TcpOptionDuplicate));
        Assert.Equal(1460, decoded.Packet.TcpMss);
    }

    [Fact]
    public void WindowScaleAboveFourteenIsClamped()
    {
        var decoded = DecodeTcp(Frames.Tcp(1, 2, flags: TcpFlags.Syn, options: [3, 3, 15, 0]));

        Assert.True(decoded.Has(Anomaly.TcpOptionInvalid));
        Assert.Equal(14, decoded.Packet.TcpWindowScale);
    }

    [Fact]
    public void EndOfListStopsTheWalk()
    {
        var decoded = DecodeTcp(Frames.Tcp(1, 2, options: [0, 2, 4, 5, 0xB4, 0, 0, 0]));

        Assert.Equal(0, decoded.Anomalies.Count);
        Assert.Equal(0, decoded.Packet.TcpMss);
    }

    [Fact]
    public void UnknownOptionsAreSkipped()
    {
        // TFO cookie (34) and MPTCP (30), then MSS.
        byte[] options = [34, 10, 1, 2, 3, 4, 5, 6, 7, 8, 30, 4, 0, 0, 2, 4, 0x02, 0x18, 1, 1];
        var decoded = DecodeTcp(Frames.Tcp(1, 2, flags: TcpFlags.Syn, options: options));

        Assert.Equal(0, decoded.Anomalies.Count);
        Assert.Equal(0x0218, decoded.Packet.TcpMss);
    }

    [Theory]
    [InlineData(TcpFlags.Syn | TcpFlags.Fin)]
    [InlineData(TcpFlags.Syn | TcpFlags.Rst | TcpFlags.Ack)]
    [InlineData(TcpFlags.None)]
    public void ImpossibleFlagCombinationsAreReported(TcpFlags flags)
    {
        var decoded = DecodeTcp(Frames.Tcp(1, 2, flags: flags));

        Assert.True(decoded.Has(Anomaly.TcpInvalidFlags));
        Assert.Equal(flags, decoded.Packet.TcpFlags);
    }

    [Theory]
    [InlineData(TcpFlags.Syn)]
    [InlineData(TcpFlags.Syn | TcpFlags.Ack)]
    [InlineData(TcpFlags.Fin | TcpFlags.Ack)]
    [InlineData(TcpFlags.Rst)]
    [InlineData(TcpFlags.Syn | TcpFlags.Ece | TcpFlags.Cwr)]
    public void OrdinaryFlagsAreNotReported(TcpFlags flags) =>
        Assert.False(DecodeTcp(Frames.Tcp(1, 2, flags: flags)).Has(Anomaly.TcpInvalidFlags));

    [Fact]
    public void HeaderLengthBelowTwentyIsReportedButIPIsKept()
    {
        byte[] segment = Frames.Tcp(1, 2);
        segment[12] = 0x40;

        var decoded = DecodeTcp(segment);

        Assert.True(decoded.Ok);
        Assert.True(decoded.Has(Anomaly.TcpHeaderLengthTooSmall));
        Assert.True(decoded.Has(PacketLayers.IPv4));
        Assert.False(decoded.Has(PacketLayers.Tcp));
        Assert.Equal(6, decoded.Packet.Protocol);
        Assert.Equal(Frames.Mapped(Frames.HostA), decoded.Packet.Source);
    }

    [Fact]
    public void HeaderLengthPastTheSegmentIsReported()
    {
        byte[] segment = Frames.Tcp(1, 2);
        segment[12] = 0x60;

        var decoded = DecodeTcp(segment);

        Assert.True(decoded.Ok);
        Assert.True(decoded.Has(Anomaly.TcpHeaderLengthPastEnd));
        Assert.False(decoded.Has(PacketLayers.Tcp));
    }

    [Fact]
    public void ShortSegmentIsReported()
    {
        var decoded = DecodeTcp(new byte[19]);

        Assert.True(decoded.Ok);
        Assert.True(decoded.Has(Anomaly.TcpPacketTooSmall));
    }
}
