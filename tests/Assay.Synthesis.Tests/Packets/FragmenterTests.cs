using System.Net;
using Assay.Synthesis.Packets;
using Assay.Synthesis.Tests.Support;

namespace Assay.Synthesis.Tests.Packets;

public class FragmenterTests
{
    private static readonly IPAddress s_a = IPAddress.Parse("10.0.0.1");
    private static readonly IPAddress s_b = IPAddress.Parse("10.0.0.2");
    private static readonly IPAddress s_a6 = IPAddress.Parse("2001:db8::1");
    private static readonly IPAddress s_b6 = IPAddress.Parse("2001:db8::2");

    private static byte[] Payload(int length)
    {
        byte[] payload = new byte[length];
        for (int i = 0; i < length; i++)
            payload[i] = (byte)((i * 31) + (i >> 8));
        return payload;
    }

    /// <summary>Reassembles by hand: place each fragment's data at its offset; require full coverage and exactly one last piece.</summary>
    private static byte[] Reassemble(IEnumerable<byte[]> fragments, out ParsedFrame first)
    {
        var buffer = new byte[70000];
        var covered = new bool[70000];
        int end = -1;
        first = null!;
        foreach (byte[] fragment in fragments)
        {
            ParsedFrame p = ParsedFrame.Raw(fragment);
            Assert.True(p.IsFragment);
            if (p.IpVersion == 4)
                Assert.True(p.IPv4ChecksumValid);
            if (p.FragmentOffset == 0)
                first = p;
            p.IpPayload.CopyTo(buffer, p.FragmentOffset);
            for (int i = 0; i < p.IpPayload.Length; i++)
                covered[p.FragmentOffset + i] = true;
            if (!p.MoreFragments)
            {
                Assert.Equal(-1, end);
                end = p.FragmentOffset + p.IpPayload.Length;
            }
            else
            {
                Assert.Equal(0, p.IpPayload.Length % 8);
            }
        }

        Assert.NotEqual(-1, end);
        for (int i = 0; i < end; i++)
            Assert.True(covered[i], $"byte {i} not covered");
        return buffer[..end];
    }

    [Theory]
    [InlineData(3000, 1500)]
    [InlineData(1473, 1500)]
    [InlineData(100, 68)]
    [InlineData(8000, 576)]
    public void IPv4FragmentsReassembleToTheOriginalDatagram(int payloadLength, int mtu)
    {
        byte[] datagram = new PacketBuilder().IPv4(s_a, s_b, identification: 0xBEEF).Udp(1234, 53).Payload(Payload(payloadLength)).Build();
        List<byte[]> fragments = Fragmenter.FragmentIPv4(datagram, mtu);
        Assert.All(fragments, f => Assert.True(f.Length <= mtu));
        Assert.All(fragments, f => Assert.Equal(0xBEEF, ParsedFrame.Raw(f).IPv4Id));

        // Reverse order: reassembly must not depend on arrival order.
        fragments.Reverse();
        byte[] segment = Reassemble(fragments, out ParsedFrame first);
        Assert.Equal(datagram.AsSpan(20).ToArray(), segment);

        first.ParseTransport(s_a.GetAddressBytes(), s_b.GetAddressBytes(), segment);
        Assert.True(first.TransportChecksumValid);
        Assert.Equal(Payload(payloadLength), first.Payload);
    }

    [Fact]
    public void IPv4LaterFragmentsKeepOnlyCopiedOptions()
    {
        // 0x94 router alert (copied bit set), 0x07 record route (not copied).
        byte[] options = [0x94, 0x04, 0x00, 0x00, 0x07, 0x07, 0x04, 0, 0, 0, 0, 0];
        byte[] datagram = new PacketBuilder().IPv4(s_a, s_b).IPv4Options(options).Udp(1, 2).Payload(Payload(400)).Build();
        List<byte[]> fragments = Fragmenter.FragmentIPv4(datagram, 200);
        Assert.Equal(20 + 12, ParsedFrame.Raw(fragments[0]).IpHeaderLength);
        Assert.Equal(20 + 4, ParsedFrame.Raw(fragments[1]).IpHeaderLength);
        Assert.Equal(datagram.AsSpan(32).ToArray(), Reassemble(fragments, out _));
    }

    [Fact]
    public void IPv4SingleFragmentsCanOverlap()
    {
        byte[] datagram = new PacketBuilder().IPv4(s_a, s_b).Udp(1, 2).Payload(Payload(64)).Build();
        byte[] a = Fragmenter.IPv4Fragment(datagram, 0, 40, moreFragments: true);
        byte[] b = Fragmenter.IPv4Fragment(datagram, 32, 40, moreFragments: false);
        ParsedFrame pb = ParsedFrame.Raw(b);
        Assert.Equal(32, pb.FragmentOffset);
        Assert.False(pb.MoreFragments);
        Assert.Equal(datagram.AsSpan(20 + 32, 40).ToArray(), pb.IpPayload);
        Assert.True(ParsedFrame.Raw(a).MoreFragments);
    }

    [Theory]
    [InlineData(3000, 1280)]
    [InlineData(1300, 1280)]
    public void IPv6FragmentsReassembleToTheOriginalPayload(int payloadLength, int mtu)
    {
        byte[] packet = new PacketBuilder().IPv6(s_a6, s_b6).IPv6HopByHop().Udp(5000, 6000).Payload(Payload(payloadLength)).Build();
        List<byte[]> fragments = Fragmenter.FragmentIPv6(packet, mtu, 0x12345678);
        Assert.True(fragments.Count >= 2);
        foreach (byte[] fragment in fragments)
        {
            Assert.True(fragment.Length <= mtu);
            ParsedFrame p = ParsedFrame.Raw(fragment);
            Assert.Equal([0, 44], p.IPv6ExtensionTypes); // hop-by-hop stays in the unfragmentable part
            Assert.Equal(0x12345678u, p.IPv6FragmentId);
            Assert.Equal(ParsedFrame.ProtoUdp, p.Protocol);
        }

        byte[] segment = Reassemble(fragments, out ParsedFrame first);
        Assert.Equal(packet.AsSpan(48).ToArray(), segment);
        first.ParseTransport(s_a6.GetAddressBytes(), s_b6.GetAddressBytes(), segment);
        Assert.True(first.TransportChecksumValid);
    }

    [Fact]
    public void FramedFragmentsGetTheRightEtherType()
    {
        byte[] packet = new PacketBuilder().IPv6(s_a6, s_b6).Udp(1, 2).Payload(Payload(2000)).Build();
        byte[] frame = new PacketBuilder().Ethernet(MacAddress.Local(1), MacAddress.Local(2)).IPPacket(Fragmenter.FragmentIPv6(packet, 1280, 9)[0]).Build();
        Assert.Equal(0x86DD, ParsedFrame.Ethernet(frame).EtherType);
    }
}
