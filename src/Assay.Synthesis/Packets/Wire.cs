using System.Buffers.Binary;

namespace Assay.Synthesis.Packets;

/// <summary>
/// Span-level header writers shared by <see cref="PacketBuilder"/> and the allocation-free <c>MixGenerator</c>.
/// Each returns the number of bytes written. Addresses are raw 4- or 16-byte spans.
/// </summary>
internal static class Wire
{
    public const int EthernetHeaderLength = 14;
    public const int VlanTagLength = 4;
    public const int SllHeaderLength = 16;
    public const int Sll2HeaderLength = 20;
    public const int NullHeaderLength = 4;
    public const int IPv4HeaderLength = 20;
    public const int IPv6HeaderLength = 40;
    public const int TcpHeaderLength = 20;
    public const int UdpHeaderLength = 8;
    public const int IcmpHeaderLength = 8;
    public const int ArpLength = 28;
    public const int MinimumEthernetFrame = 60; // without the FCS, which captures do not carry

    private const int IPv4ChecksumOffset = 10;
    private const int TcpChecksumOffset = 16;
    private const int UdpChecksumOffset = 6;
    private const int IcmpChecksumOffset = 2;

    // Ethernet II (IEEE 802.3 §3.1.1): destination 6, source 6, [TPID 2, TCI 2]*, EtherType 2.
    public static int WriteEthernet(Span<byte> d, MacAddress destination, MacAddress source, ushort etherType)
    {
        destination.WriteTo(d);
        source.WriteTo(d[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(d[12..], etherType);
        return EthernetHeaderLength;
    }

    /// <summary>IPv4 header (RFC 791 §3.1) with its checksum. <paramref name="flagsAndOffset"/> is the raw 16-bit field.</summary>
    public static int WriteIPv4(Span<byte> d, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, byte protocol, int totalLength,
        ushort identification, ushort flagsAndOffset, byte ttl, byte tos, ReadOnlySpan<byte> options)
    {
        int headerLength = IPv4HeaderLength + ((options.Length + 3) & ~3);
        d[0] = (byte)(0x40 | (headerLength / 4));
        d[1] = tos;
        BinaryPrimitives.WriteUInt16BigEndian(d[2..], (ushort)totalLength);
        BinaryPrimitives.WriteUInt16BigEndian(d[4..], identification);
        BinaryPrimitives.WriteUInt16BigEndian(d[6..], flagsAndOffset);
        d[8] = ttl;
        d[9] = protocol;
        d[10] = 0;
        d[11] = 0;
        source.CopyTo(d[12..]);
        destination.CopyTo(d[16..]);
        options.CopyTo(d[IPv4HeaderLength..]);
        d[(IPv4HeaderLength + options.Length)..headerLength].Clear(); // end-of-option-list padding
        BinaryPrimitives.WriteUInt16BigEndian(d[IPv4ChecksumOffset..], InternetChecksum.Compute(d[..headerLength]));
        return headerLength;
    }

    /// <summary>IPv6 fixed header (RFC 8200 §3).</summary>
    public static int WriteIPv6(Span<byte> d, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, byte nextHeader, int payloadLength,
        byte hopLimit, byte trafficClass, uint flowLabel)
    {
        BinaryPrimitives.WriteUInt32BigEndian(d, (6u << 28) | ((uint)trafficClass << 20) | (flowLabel & 0xFFFFF));
        BinaryPrimitives.WriteUInt16BigEndian(d[4..], (ushort)payloadLength);
        d[6] = nextHeader;
        d[7] = hopLimit;
        source.CopyTo(d[8..]);
        destination.CopyTo(d[24..]);
        return IPv6HeaderLength;
    }

    /// <summary>TCP header (RFC 9293 §3.1) with a zero checksum; options are padded with end-of-list bytes.</summary>
    public static int WriteTcp(Span<byte> d, ushort sourcePort, ushort destinationPort, uint sequence, uint acknowledgment, byte flags,
        ushort window, ReadOnlySpan<byte> options, ushort urgentPointer)
    {
        int headerLength = TcpHeaderLength + ((options.Length + 3) & ~3);
        BinaryPrimitives.WriteUInt16BigEndian(d, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(d[2..], destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(d[4..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(d[8..], acknowledgment);
        d[12] = (byte)((headerLength / 4) << 4);
        d[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(d[14..], window);
        d[16] = 0;
        d[17] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(d[18..], urgentPointer);
        options.CopyTo(d[TcpHeaderLength..]);
        d[(TcpHeaderLength + options.Length)..headerLength].Clear();
        return headerLength;
    }

    /// <summary>UDP header (RFC 768) with a zero checksum.</summary>
    public static int WriteUdp(Span<byte> d, ushort sourcePort, ushort destinationPort, int length)
    {
        BinaryPrimitives.WriteUInt16BigEndian(d, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(d[2..], destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(d[4..], (ushort)length);
        d[6] = 0;
        d[7] = 0;
        return UdpHeaderLength;
    }

    /// <summary>Writes the TCP checksum over <paramref name="segment"/> (header + payload) with its pseudo-header.</summary>
    public static void FinishTcpChecksum(Span<byte> segment, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination)
    {
        ulong sum = InternetChecksum.PseudoHeader(source, destination, IPProtocolNumber.Tcp, segment.Length);
        BinaryPrimitives.WriteUInt16BigEndian(segment[TcpChecksumOffset..], InternetChecksum.Finish(InternetChecksum.Add(sum, segment)));
    }

    /// <summary>Writes the UDP checksum; a computed zero is sent as 0xFFFF (RFC 768), since zero means "none".</summary>
    public static void FinishUdpChecksum(Span<byte> datagram, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination)
    {
        ulong sum = InternetChecksum.PseudoHeader(source, destination, IPProtocolNumber.Udp, datagram.Length);
        ushort checksum = InternetChecksum.Finish(InternetChecksum.Add(sum, datagram));
        BinaryPrimitives.WriteUInt16BigEndian(datagram[UdpChecksumOffset..], checksum == 0 ? (ushort)0xFFFF : checksum);
    }

    public static void FinishIcmpChecksum(Span<byte> message) =>
        BinaryPrimitives.WriteUInt16BigEndian(message[IcmpChecksumOffset..], InternetChecksum.Compute(message));

    public static void FinishIcmpV6Checksum(Span<byte> message, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination)
    {
        ulong sum = InternetChecksum.PseudoHeader(source, destination, IPProtocolNumber.IcmpV6, message.Length);
        BinaryPrimitives.WriteUInt16BigEndian(message[IcmpChecksumOffset..], InternetChecksum.Finish(InternetChecksum.Add(sum, message)));
    }

    public static int ChecksumOffset(IPProtocolNumber protocol) => protocol switch
    {
        IPProtocolNumber.Tcp => TcpChecksumOffset,
        IPProtocolNumber.Udp => UdpChecksumOffset,
        _ => IcmpChecksumOffset,
    };

    /// <summary>IPv4 header checksum field offset, for deliberate corruption.</summary>
    public static int IPv4ChecksumFieldOffset => IPv4ChecksumOffset;
}
