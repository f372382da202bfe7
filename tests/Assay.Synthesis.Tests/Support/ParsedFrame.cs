using System.Buffers.Binary;
using System.Net;

namespace Assay.Synthesis.Tests.Support;

/// <summary>A test-only decoder: just enough to read back what the synthesizer wrote and verify every checksum.</summary>
public sealed class ParsedFrame
{
    public List<ushort> VlanIds { get; } = [];
    public List<ushort> VlanTpids { get; } = [];
    public ushort EtherType { get; private set; }
    public byte[] SourceMac { get; private set; } = [];
    public byte[] DestinationMac { get; private set; } = [];
    public int IpVersion { get; private set; }
    public IPAddress? Source { get; private set; }
    public IPAddress? Destination { get; private set; }
    public int Protocol { get; private set; }
    public int Ttl { get; private set; }
    public ushort IPv4Id { get; private set; }
    public bool DontFragment { get; private set; }
    public bool MoreFragments { get; private set; }
    public int FragmentOffset { get; private set; }
    public bool IsFragment { get; private set; }
    public uint IPv6FragmentId { get; private set; }
    public bool IPv4ChecksumValid { get; private set; } = true;
    public List<int> IPv6ExtensionTypes { get; } = [];

    /// <summary>The IP packet (header included) up to its stated length.</summary>
    public byte[] IpPacket { get; private set; } = [];

    /// <summary>The bytes after all IP headers (the transport segment, or a fragment's data).</summary>
    public byte[] IpPayload { get; private set; } = [];

    public int IpHeaderLength { get; private set; }
    public ushort SourcePort { get; private set; }
    public ushort DestinationPort { get; private set; }
    public uint Sequence { get; private set; }
    public uint Acknowledgment { get; private set; }
    public byte TcpFlags { get; private set; }
    public ushort Window { get; private set; }
    public byte[] TcpOptions { get; private set; } = [];
    public int IcmpType { get; private set; }
    public bool TransportChecksumValid { get; private set; } = true;
    public byte[] Payload { get; private set; } = [];
    public int TrailerLength { get; private set; }

    public const int ProtoIcmp = 1;
    public const int ProtoTcp = 6;
    public const int ProtoUdp = 17;
    public const int ProtoIcmpV6 = 58;

    public bool HasFlag(byte flag) => (TcpFlags & flag) != 0;

    public static ParsedFrame Ethernet(ReadOnlySpan<byte> frame)
    {
        var p = new ParsedFrame { DestinationMac = frame[..6].ToArray(), SourceMac = frame[6..12].ToArray() };
        int offset = 12;
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(frame[offset..]);
        while (type is 0x8100 or 0x88A8)
        {
            p.VlanTpids.Add(type);
            p.VlanIds.Add((ushort)(BinaryPrimitives.ReadUInt16BigEndian(frame[(offset + 2)..]) & 0x0FFF));
            offset += 4;
            type = BinaryPrimitives.ReadUInt16BigEndian(frame[offset..]);
        }

        p.EtherType = type;
        p.ParseNetwork(frame[(offset + 2)..]);
        return p;
    }

    public static ParsedFrame Raw(ReadOnlySpan<byte> packet)
    {
        var p = new ParsedFrame { EtherType = (ushort)((packet[0] >> 4) == 6 ? 0x86DD : 0x0800) };
        p.ParseNetwork(packet);
        return p;
    }

    private void ParseNetwork(ReadOnlySpan<byte> data)
    {
        if (EtherType == 0x0806)
            return;
        IpVersion = data[0] >> 4;
        if (IpVersion == 4)
            ParseIPv4(data);
        else
            ParseIPv6(data);
    }

    private void ParseIPv4(ReadOnlySpan<byte> data)
    {
        int ihl = (data[0] & 0x0F) * 4;
        int total = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        IpPacket = data[..total].ToArray();
        TrailerLength = data.Length - total;
        IpHeaderLength = ihl;
        IPv4Id = BinaryPrimitives.ReadUInt16BigEndian(data[4..]);
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(data[6..]);
        DontFragment = (flags & 0x4000) != 0;
        MoreFragments = (flags & 0x2000) != 0;
        FragmentOffset = (flags & 0x1FFF) * 8;
        IsFragment = MoreFragments || FragmentOffset != 0;
        Ttl = data[8];
        Protocol = data[9];
        IPv4ChecksumValid = Checksum.Verifies(Checksum.Sum(data[..ihl]));
        Source = new IPAddress(data[12..16]);
        Destination = new IPAddress(data[16..20]);
        IpPayload = data[ihl..total].ToArray();
        if (!IsFragment)
            ParseTransport(data[12..16].ToArray(), data[16..20].ToArray(), IpPayload);
    }

    private void ParseIPv6(ReadOnlySpan<byte> data)
    {
        int total = 40 + BinaryPrimitives.ReadUInt16BigEndian(data[4..]);
        IpPacket = data[..total].ToArray();
        TrailerLength = data.Length - total;
        Ttl = data[7];
        Source = new IPAddress(data[8..24]);
        Destination = new IPAddress(data[24..40]);
        int next = data[6];
        int offset = 40;
        while (next is 0 or 43 or 44 or 60)
        {
            IPv6ExtensionTypes.Add(next);
            if (next == 44)
            {
                IsFragment = true;
                ushort field = BinaryPrimitives.ReadUInt16BigEndian(data[(offset + 2)..]);
                FragmentOffset = field & 0xFFF8;
                MoreFragments = (field & 1) != 0;
                IPv6FragmentId = BinaryPrimitives.ReadUInt32BigEndian(data[(offset + 4)..]);
                next = data[offset];
                offset += 8;
            }
            else
            {
                int length = (data[offset + 1] + 1) * 8;
                next = data[offset];
                offset += length;
            }
        }

        Protocol = next;
        IpHeaderLength = offset;
        IpPayload = data[offset..total].ToArray();
        if (!IsFragment)
            ParseTransport(data[8..24].ToArray(), data[24..40].ToArray(), IpPayload);
    }

    /// <summary>Parses a reassembled transport segment (after the caller put the fragments back together).</summary>
    public void ParseTransport(byte[] source, byte[] destination, byte[] segment)
    {
        switch (Protocol)
        {
            case ProtoTcp:
                SourcePort = BinaryPrimitives.ReadUInt16BigEndian(segment);
                DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(segment.AsSpan(2));
                if (segment.Length < 20)
                    return;
                Sequence = BinaryPrimitives.ReadUInt32BigEndian(segment.AsSpan(4));
                Acknowledgment = BinaryPrimitives.ReadUInt32BigEndian(segment.AsSpan(8));
                int dataOffset = (segment[12] >> 4) * 4;
                TcpFlags = segment[13];
                if (dataOffset > segment.Length)
                    return;
                Window = BinaryPrimitives.ReadUInt16BigEndian(segment.AsSpan(14));
                TcpOptions = segment[20..dataOffset];
                Payload = segment[dataOffset..];
                TransportChecksumValid = Checksum.Verifies(Checksum.Sum(segment, Checksum.PseudoHeader(source, destination, ProtoTcp, segment.Length)));
                break;
            case ProtoUdp:
                SourcePort = BinaryPrimitives.ReadUInt16BigEndian(segment);
                DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(segment.AsSpan(2));
                Payload = segment[8..];
                bool zero = BinaryPrimitives.ReadUInt16BigEndian(segment.AsSpan(6)) == 0;
                TransportChecksumValid = zero || Checksum.Verifies(Checksum.Sum(segment, Checksum.PseudoHeader(source, destination, ProtoUdp, segment.Length)));
                break;
            case ProtoIcmp:
                IcmpType = segment[0];
                Payload = segment[8..];
                TransportChecksumValid = Checksum.Verifies(Checksum.Sum(segment));
                break;
            case ProtoIcmpV6:
                IcmpType = segment[0];
                Payload = segment[8..];
                TransportChecksumValid = Checksum.Verifies(Checksum.Sum(segment, Checksum.PseudoHeader(source, destination, ProtoIcmpV6, segment.Length)));
                break;
            default:
                Payload = segment;
                break;
        }
    }
}
