using System.Buffers.Binary;
using System.Net;
using Assay.Capture;
using Assay.Synthesis.Packets;
using Assay.Synthesis.Tests.Support;

namespace Assay.Synthesis.Tests.Packets;

public class PacketBuilderTests
{
    private static readonly IPAddress s_client = IPAddress.Parse("192.168.1.10");
    private static readonly IPAddress s_server = IPAddress.Parse("203.0.113.5");
    private static readonly IPAddress s_client6 = IPAddress.Parse("2001:db8:1::10");
    private static readonly IPAddress s_server6 = IPAddress.Parse("2001:db8:ffff::5");
    private static readonly MacAddress s_mac1 = MacAddress.Parse("02:00:00:00:00:01");
    private static readonly MacAddress s_mac2 = MacAddress.Parse("02:00:00:00:00:02");

    [Fact]
    public void TcpSynOverIPv4ParsesBackWithValidChecksums()
    {
        byte[] options = new TcpOptionList().Mss(1460).SackPermitted().Timestamps(100, 0).Nop().WindowScale(7).ToArray();
        byte[] frame = new PacketBuilder()
            .Ethernet(s_mac1, s_mac2)
            .IPv4(s_client, s_server, ttl: 64, identification: 0x1234, dontFragment: true)
            .Tcp(50000, 443, 1000, 0, TcpControl.Syn, 64240, options)
            .Build();

        Assert.Equal(14 + 20 + 40, frame.Length);
        ParsedFrame p = ParsedFrame.Ethernet(frame);
        Assert.Equal(0x0800, p.EtherType);
        Assert.Equal(s_mac1.ToArray(), p.SourceMac);
        Assert.Equal(s_mac2.ToArray(), p.DestinationMac);
        Assert.Equal(s_client, p.Source);
        Assert.Equal(s_server, p.Destination);
        Assert.Equal(64, p.Ttl);
        Assert.Equal(0x1234, p.IPv4Id);
        Assert.True(p.DontFragment);
        Assert.True(p.IPv4ChecksumValid);
        Assert.True(p.TransportChecksumValid);
        Assert.Equal(50000, p.SourcePort);
        Assert.Equal(443, p.DestinationPort);
        Assert.Equal(1000u, p.Sequence);
        Assert.Equal((byte)TcpControl.Syn, p.TcpFlags);
        Assert.Equal(64240, p.Window);
        Assert.Equal(options, p.TcpOptions);
    }

    [Fact]
    public void TcpOptionsArePaddedToFourBytes()
    {
        byte[] frame = new PacketBuilder().IPv4(s_client, s_server).Tcp(1, 2, 0, 0, TcpControl.Syn, options: new TcpOptionList().WindowScale(7).ToArray()).Build();
        ParsedFrame p = ParsedFrame.Raw(frame);
        Assert.Equal([3, 3, 7, 0], p.TcpOptions);
        Assert.True(p.TransportChecksumValid);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1400)]
    public void UdpChecksumsVerifyForOddAndEvenPayloads(int length)
    {
        byte[] payload = new byte[length];
        for (int i = 0; i < length; i++)
            payload[i] = (byte)(i * 7);
        ParsedFrame v4 = ParsedFrame.Raw(new PacketBuilder().IPv4(s_client, s_server).Udp(5353, 53).Payload(payload).Build());
        ParsedFrame v6 = ParsedFrame.Raw(new PacketBuilder().IPv6(s_client6, s_server6).Udp(5353, 53).Payload(payload).Build());
        Assert.True(v4.TransportChecksumValid);
        Assert.True(v6.TransportChecksumValid);
        Assert.Equal(payload, v4.Payload);
        Assert.Equal(payload, v6.Payload);
    }

    [Fact]
    public void UdpZeroChecksumIsWrittenAsZero()
    {
        byte[] packet = new PacketBuilder().IPv4(s_client, s_server).Udp(1, 2, zeroChecksum: true).Payload("x"u8).Build();
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(20 + 6)));
    }

    [Fact]
    public void VlanAndQinQTagsAreWrittenOutermostFirst()
    {
        byte[] single = new PacketBuilder().Ethernet(s_mac1, s_mac2).Vlan(30, priority: 5).IPv4(s_client, s_server).Udp(1, 2).Build();
        ParsedFrame p = ParsedFrame.Ethernet(single);
        Assert.Equal([30], p.VlanIds);
        Assert.Equal(0xA0, single[14] & 0xE0); // PCP 5 in the top three bits of the TCI
        Assert.True(p.TransportChecksumValid);

        ParsedFrame q = ParsedFrame.Ethernet(new PacketBuilder().Ethernet(s_mac1, s_mac2).QinQ(100, 30).IPv4(s_client, s_server).IcmpEcho(false, 1, 1).Build());
        Assert.Equal([100, 30], q.VlanIds);
        Assert.Equal([0x88A8, 0x8100], q.VlanTpids);
        Assert.Equal(0x0800, q.EtherType);
        Assert.True(q.TransportChecksumValid);
    }

    [Fact]
    public void PaddingFillsShortFramesToSixtyBytesPastTheIpLength()
    {
        byte[] frame = new PacketBuilder().Ethernet(s_mac1, s_mac2).PadToMinimumFrame().IPv4(s_client, s_server).Tcp(1, 2, 3, 4, TcpControl.Ack).Build();
        Assert.Equal(60, frame.Length);
        ParsedFrame p = ParsedFrame.Ethernet(frame);
        Assert.Equal(6, p.TrailerLength);
        Assert.True(p.TransportChecksumValid);
    }

    [Fact]
    public void IPv6ExtensionHeadersChainToTheTransport()
    {
        byte[] frame = new PacketBuilder()
            .Ethernet(s_mac1, s_mac2)
            .IPv6(s_client6, s_server6, hopLimit: 57, flowLabel: 0xABCDE)
            .IPv6HopByHop()
            .IPv6Routing(4)
            .IPv6DestinationOptions()
            .Tcp(40000, 443, 1, 2, TcpControl.Ack | TcpControl.Psh)
            .Payload("hello"u8)
            .Build();
        ParsedFrame p = ParsedFrame.Ethernet(frame);
        Assert.Equal(0x86DD, p.EtherType);
        Assert.Equal([0, 43, 60], p.IPv6ExtensionTypes);
        Assert.Equal(ParsedFrame.ProtoTcp, p.Protocol);
        Assert.Equal(57, p.Ttl);
        Assert.True(p.TransportChecksumValid);
        Assert.Equal("hello"u8.ToArray(), p.Payload);
        Assert.Equal(0xABCDEu, BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(14)) & 0xFFFFF);
    }

    [Fact]
    public void IcmpAndIcmpV6EchoChecksumsVerify()
    {
        ParsedFrame v4 = ParsedFrame.Raw(new PacketBuilder().IPv4(s_client, s_server).IcmpEcho(false, 7, 1).Payload(new byte[56]).Build());
        ParsedFrame v6 = ParsedFrame.Raw(new PacketBuilder().IPv6(s_client6, s_server6).IcmpV6Echo(true, 7, 1).Payload(new byte[56]).Build());
        Assert.Equal(8, v4.IcmpType);
        Assert.Equal(129, v6.IcmpType);
        Assert.True(v4.TransportChecksumValid);
        Assert.True(v6.TransportChecksumValid);
    }

    [Fact]
    public void ArpRequestHasTheRfc826Layout()
    {
        byte[] frame = new PacketBuilder().Ethernet(s_mac1, MacAddress.Broadcast)
            .Arp(ArpOperation.Request, s_mac1, s_client, MacAddress.Zero, IPAddress.Parse("192.168.1.1")).PadToMinimumFrame().Build();
        Assert.Equal(60, frame.Length);
        Assert.Equal(0x0806, BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(12)));
        Assert.Equal([0, 1, 8, 0, 6, 4, 0, 1], frame.AsSpan(14, 8).ToArray());
        Assert.Equal(s_mac1.ToArray(), frame.AsSpan(22, 6).ToArray());
        Assert.Equal(s_client.GetAddressBytes(), frame.AsSpan(28, 4).ToArray());
        Assert.Equal([192, 168, 1, 1], frame.AsSpan(38, 4).ToArray());
    }

    [Fact]
    public void CorruptIPv4ChecksumFailsVerificationButTransportStillVerifies()
    {
        ParsedFrame p = ParsedFrame.Raw(new PacketBuilder().IPv4(s_client, s_server).CorruptIPv4Checksum().Udp(1, 2).Payload("x"u8).Build());
        Assert.False(p.IPv4ChecksumValid);
        Assert.True(p.TransportChecksumValid);
    }

    [Fact]
    public void CorruptTransportChecksumFailsVerification()
    {
        Assert.False(ParsedFrame.Raw(new PacketBuilder().IPv4(s_client, s_server).Tcp(1, 2, 3, 4, TcpControl.Ack).CorruptTransportChecksum().Build()).TransportChecksumValid);
        Assert.False(ParsedFrame.Raw(new PacketBuilder().IPv6(s_client6, s_server6).Udp(1, 2).CorruptTransportChecksum().Build()).TransportChecksumValid);
    }

    [Fact]
    public void TruncateTransportKeepsAValidIpPacketWithAShortTcpHeader()
    {
        byte[] packet = new PacketBuilder().IPv4(s_client, s_server).Tcp(1, 22, 3, 0, TcpControl.Syn).TruncateTransport(12).Build();
        Assert.Equal(32, packet.Length);
        Assert.Equal(32, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(2)));
        ParsedFrame p = ParsedFrame.Raw(packet);
        Assert.True(p.IPv4ChecksumValid);
        Assert.Equal(12, p.IpPayload.Length);
    }

    [Theory]
    [InlineData(LinkLayer.LinuxSll, LinkType.LinuxSll, 16)]
    [InlineData(LinkLayer.LinuxSll2, LinkType.LinuxSll2, 20)]
    [InlineData(LinkLayer.Null, LinkType.Null, 4)]
    [InlineData(LinkLayer.Raw, LinkType.Raw, 0)]
    public void OtherLinkLayersPrefixTheSameIpPacket(LinkLayer link, LinkType expected, int headerLength)
    {
        byte[] ip = new PacketBuilder().IPv4(s_client, s_server).Udp(1, 2).Payload("abc"u8).Build();
        var builder = new PacketBuilder();
        _ = link switch
        {
            LinkLayer.LinuxSll => builder.LinuxSll(s_mac1, SllPacketType.Outgoing),
            LinkLayer.LinuxSll2 => builder.LinuxSll2(s_mac1, 3),
            LinkLayer.Null => builder.NullLoopback(),
            _ => builder.RawIP(),
        };
        byte[] frame = builder.IPv4(s_client, s_server).Udp(1, 2).Payload("abc"u8).Build();
        Assert.Equal(expected, builder.LinkType);
        Assert.Equal(headerLength + ip.Length, frame.Length);
        Assert.Equal(ip, frame.AsSpan(headerLength).ToArray());
        switch (link)
        {
            case LinkLayer.LinuxSll:
                Assert.Equal(4, BinaryPrimitives.ReadUInt16BigEndian(frame));
                Assert.Equal(0x0800, BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(14)));
                break;
            case LinkLayer.LinuxSll2:
                Assert.Equal(0x0800, BinaryPrimitives.ReadUInt16BigEndian(frame));
                Assert.Equal(3, BinaryPrimitives.ReadInt32BigEndian(frame.AsSpan(4)));
                break;
            case LinkLayer.Null:
                Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(frame));
                break;
            default:
                break;
        }
    }

    [Fact]
    public void IPv4OptionsArePaddedAndCovered()
    {
        byte[] packet = new PacketBuilder().IPv4(s_client, s_server).IPv4Options([0x94, 0x04, 0x00, 0x00, 0x01]).Udp(1, 2).Build();
        Assert.Equal(0x47, packet[0]); // IHL 7: 20 + 8 bytes
        ParsedFrame p = ParsedFrame.Raw(packet);
        Assert.True(p.IPv4ChecksumValid);
        Assert.True(p.TransportChecksumValid);
    }

    [Fact]
    public void InternetChecksumMatchesTheRfc1071Example()
    {
        // RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2 (one's complement), checksum 220d.
        Assert.Equal(0x220D, InternetChecksum.Compute([0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7]));
        Assert.Equal(0x220D, InternetChecksum.Compute([0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7, 0x00]));
    }

    [Fact]
    public void MacAddressRoundTripsThroughText()
    {
        var mac = MacAddress.Parse("00:1a:2B:3c:4d:5e");
        Assert.Equal("00:1a:2b:3c:4d:5e", mac.ToString());
        Assert.Equal([0x00, 0x1A, 0x2B, 0x3C, 0x4D, 0x5E], mac.ToArray());
    }
}
