using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Assay.Capture;

namespace Assay.Synthesis.Packets;

/// <summary>
/// Builds one frame, layer by layer, with correct lengths and checksums unless told to break them. Tooling: it allocates,
/// and throws <see cref="InvalidOperationException"/> / <see cref="ArgumentException"/> on misuse.
/// </summary>
/// <example>
/// <code>
/// byte[] syn = new PacketBuilder()
///     .Ethernet(clientMac, gatewayMac).Vlan(10)
///     .IPv4(client, server, ttl: 64, identification: 1, dontFragment: true)
///     .Tcp(50000, 443, 1000, 0, TcpControl.Syn, 64240, new TcpOptionList().Mss(1460).ToArray())
///     .Build();
/// </code>
/// Layers not set are absent: no link call means a raw IP frame (<see cref="LinkLayer.Raw"/>).
/// </example>
public sealed partial class PacketBuilder
{
    private enum NetworkKind : byte
    {
        None,
        IPv4,
        IPv6,
        Arp,
        Prebuilt,
    }

    private enum TransportKind : byte
    {
        None,
        Tcp,
        Udp,
        Icmp,
        IcmpV6,
        Raw,
    }

    private const ushort DontFragmentBit = 0x4000;
    private const ushort MoreFragmentsBit = 0x2000;
    private const byte IcmpEchoRequest = 8;
    private const byte IcmpEchoReply = 0;
    private const byte IcmpV6EchoRequest = 128;
    private const byte IcmpV6EchoReply = 129;

    // Link
    private LinkLayer _link = LinkLayer.Raw;
    private MacAddress _sourceMac;
    private MacAddress _destinationMac;
    private readonly List<(ushort Tpid, ushort Tci)> _vlans = [];
    private bool _padToMinimum;
    private SllPacketType _sllPacketType;
    private int _interfaceIndex = 1;

    // Network
    private NetworkKind _network;
    private byte[] _sourceIp = [];
    private byte[] _destinationIp = [];
    private byte _ttl = 64;
    private byte _tos;
    private ushort _identification;
    private ushort _flagsAndOffset;
    private byte[] _ipv4Options = [];
    private bool _corruptIPv4Checksum;
    private uint _flowLabel;
    private readonly List<(IPProtocolNumber Type, byte[] Header)> _extensions = [];
    private byte[] _prebuilt = [];
    private ArpOperation _arpOperation;
    private MacAddress _arpSenderMac;
    private MacAddress _arpTargetMac;

    // Transport
    private TransportKind _transport;
    private IPProtocolNumber _rawProtocol;
    private ushort _sourcePort;
    private ushort _destinationPort;
    private uint _sequence;
    private uint _acknowledgment;
    private TcpControl _tcpFlags;
    private ushort _window;
    private byte[] _tcpOptions = [];
    private ushort _urgentPointer;
    private bool _udpZeroChecksum;
    private byte _icmpType;
    private byte _icmpCode;
    private uint _icmpRest;
    private byte[] _payload = [];
    private bool _corruptTransportChecksum;
    private int _truncateTransport = -1;

    /// <summary>The pcap link type matching the configured link layer.</summary>
    public LinkType LinkType => ToLinkType(_link);

    public static LinkType ToLinkType(LinkLayer link) => link switch
    {
        LinkLayer.Ethernet => LinkType.Ethernet,
        LinkLayer.LinuxSll => LinkType.LinuxSll,
        LinkLayer.LinuxSll2 => LinkType.LinuxSll2,
        LinkLayer.Null => LinkType.Null,
        _ => LinkType.Raw,
    };

    // ---- Link layer -------------------------------------------------------------------------------------------------

    public PacketBuilder Ethernet(MacAddress source, MacAddress destination)
    {
        _link = LinkLayer.Ethernet;
        _sourceMac = source;
        _destinationMac = destination;
        return this;
    }

    /// <summary>Adds an 802.1Q tag; call again for QinQ (tags are written outermost first, in call order).</summary>
    public PacketBuilder Vlan(ushort id, byte priority = 0, bool dropEligible = false, EtherTypeValue tpid = EtherTypeValue.Vlan)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(id, (ushort)0x0FFF);
        _vlans.Add(((ushort)tpid, (ushort)((priority << 13) | (dropEligible ? 0x1000 : 0) | id)));
        return this;
    }

    /// <summary>802.1ad: an outer service tag (TPID 0x88A8) then an inner customer tag (0x8100).</summary>
    public PacketBuilder QinQ(ushort outerId, ushort innerId) => Vlan(outerId, tpid: EtherTypeValue.QinQ).Vlan(innerId);

    /// <summary>Pads an Ethernet frame with zeros to 60 bytes, as a NIC does; the padding is past the IP total length.</summary>
    public PacketBuilder PadToMinimumFrame()
    {
        _padToMinimum = true;
        return this;
    }

    public PacketBuilder LinuxSll(MacAddress source, SllPacketType packetType = SllPacketType.Host)
    {
        _link = LinkLayer.LinuxSll;
        _sourceMac = source;
        _sllPacketType = packetType;
        return this;
    }

    public PacketBuilder LinuxSll2(MacAddress source, int interfaceIndex = 1, SllPacketType packetType = SllPacketType.Host)
    {
        _link = LinkLayer.LinuxSll2;
        _sourceMac = source;
        _interfaceIndex = interfaceIndex;
        _sllPacketType = packetType;
        return this;
    }

    public PacketBuilder NullLoopback()
    {
        _link = LinkLayer.Null;
        return this;
    }

    public PacketBuilder RawIP()
    {
        _link = LinkLayer.Raw;
        return this;
    }

    // ---- Network layer ----------------------------------------------------------------------------------------------

    /// <param name="fragmentOffset">In bytes; must be a multiple of 8.</param>
    public PacketBuilder IPv4(IPAddress source, IPAddress destination, byte ttl = 64, ushort identification = 0, bool dontFragment = false,
        bool moreFragments = false, int fragmentOffset = 0, byte tos = 0)
    {
        if ((fragmentOffset & 7) != 0 || (uint)fragmentOffset > 0xFFF8)
            throw new ArgumentOutOfRangeException(nameof(fragmentOffset), fragmentOffset, "Fragment offsets are multiples of 8 below 65536.");
        _network = NetworkKind.IPv4;
        _sourceIp = AddressBytes(source, AddressFamily.InterNetwork);
        _destinationIp = AddressBytes(destination, AddressFamily.InterNetwork);
        _ttl = ttl;
        _identification = identification;
        _flagsAndOffset = (ushort)((dontFragment ? DontFragmentBit : 0) | (moreFragments ? MoreFragmentsBit : 0) | (fragmentOffset >> 3));
        _tos = tos;
        return this;
    }

    /// <summary>IPv4 options (RFC 791 §3.1), padded with end-of-list to a multiple of 4; at most 40 bytes.</summary>
    public PacketBuilder IPv4Options(ReadOnlySpan<byte> options)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Length, 40);
        _ipv4Options = options.ToArray();
        return this;
    }

    /// <summary>Writes a wrong IPv4 header checksum (the right one plus 0x1111, never its one's-complement twin).</summary>
    public PacketBuilder CorruptIPv4Checksum()
    {
        _corruptIPv4Checksum = true;
        return this;
    }

    public PacketBuilder IPv6(IPAddress source, IPAddress destination, byte hopLimit = 64, uint flowLabel = 0, byte trafficClass = 0)
    {
        _network = NetworkKind.IPv6;
        _sourceIp = AddressBytes(source, AddressFamily.InterNetworkV6);
        _destinationIp = AddressBytes(destination, AddressFamily.InterNetworkV6);
        _ttl = hopLimit;
        _flowLabel = flowLabel;
        _tos = trafficClass;
        return this;
    }

    /// <summary>
    /// Appends an IPv6 extension header (RFC 8200 §4) after any added before. <paramref name="body"/> is everything after the
    /// next-header and length bytes; it is zero-padded so the header is a multiple of 8 bytes.
    /// </summary>
    public PacketBuilder IPv6Extension(IPProtocolNumber type, ReadOnlySpan<byte> body)
    {
        int length = (2 + body.Length + 7) & ~7;
        byte[] header = new byte[length];
        header[1] = type == IPProtocolNumber.Fragment ? (byte)0 : (byte)((length / 8) - 1);
        body.CopyTo(header.AsSpan(2));
        _extensions.Add((type, header));
        return this;
    }

    /// <summary>Hop-by-hop options header; empty options become one PadN option filling the 8 bytes.</summary>
    public PacketBuilder IPv6HopByHop(ReadOnlySpan<byte> options = default) => IPv6Extension(IPProtocolNumber.HopByHop, PadOptions(options));

    public PacketBuilder IPv6DestinationOptions(ReadOnlySpan<byte> options = default) =>
        IPv6Extension(IPProtocolNumber.DestinationOptions, PadOptions(options));

    /// <summary>Routing header with segments left 0 (already at its last hop) and the given addresses.</summary>
    public PacketBuilder IPv6Routing(byte routingType, params ReadOnlySpan<IPAddress> addresses)
    {
        byte[] body = new byte[6 + (16 * addresses.Length)];
        body[0] = routingType;
        for (int i = 0; i < addresses.Length; i++)
            AddressBytes(addresses[i], AddressFamily.InterNetworkV6).CopyTo(body, 6 + (16 * i));
        return IPv6Extension(IPProtocolNumber.Routing, body);
    }

    /// <summary>Fragment header (RFC 8200 §4.5). <paramref name="offset"/> is in bytes, a multiple of 8.</summary>
    public PacketBuilder IPv6Fragment(int offset, bool moreFragments, uint identification)
    {
        if ((offset & 7) != 0 || (uint)offset > 0xFFF8)
            throw new ArgumentOutOfRangeException(nameof(offset), offset, "Fragment offsets are multiples of 8 below 65536.");
        Span<byte> body = stackalloc byte[6];
        BinaryPrimitives.WriteUInt16BigEndian(body, (ushort)(offset | (moreFragments ? 1 : 0)));
        BinaryPrimitives.WriteUInt32BigEndian(body[2..], identification);
        return IPv6Extension(IPProtocolNumber.Fragment, body);
    }

    /// <summary>ARP for IPv4 over Ethernet (RFC 826).</summary>
    public PacketBuilder Arp(ArpOperation operation, MacAddress senderMac, IPAddress senderIp, MacAddress targetMac, IPAddress targetIp)
    {
        _network = NetworkKind.Arp;
        _arpOperation = operation;
        _arpSenderMac = senderMac;
        _arpTargetMac = targetMac;
        _sourceIp = AddressBytes(senderIp, AddressFamily.InterNetwork);
        _destinationIp = AddressBytes(targetIp, AddressFamily.InterNetwork);
        return this;
    }

    /// <summary>Uses an already built IP packet (e.g. a fragment from <see cref="Fragmenter"/>) as the network layer, unchanged.</summary>
    public PacketBuilder IPPacket(ReadOnlySpan<byte> packet)
    {
        if (packet.IsEmpty || (packet[0] >> 4) is not (4 or 6))
            throw new ArgumentException("Not an IPv4 or IPv6 packet.", nameof(packet));
        _network = NetworkKind.Prebuilt;
        _prebuilt = packet.ToArray();
        return this;
    }

    // ---- Transport layer --------------------------------------------------------------------------------------------

    public PacketBuilder Tcp(ushort sourcePort, ushort destinationPort, uint sequence, uint acknowledgment, TcpControl flags,
        ushort window = 65535, ReadOnlySpan<byte> options = default, ushort urgentPointer = 0)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Length, 40);
        _transport = TransportKind.Tcp;
        _sourcePort = sourcePort;
        _destinationPort = destinationPort;
        _sequence = sequence;
        _acknowledgment = acknowledgment;
        _tcpFlags = flags;
        _window = window;
        _tcpOptions = options.ToArray();
        _urgentPointer = urgentPointer;
        return this;
    }

    /// <param name="zeroChecksum">Send checksum 0 ("not computed"), legal for UDP over IPv4 only.</param>
    public PacketBuilder Udp(ushort sourcePort, ushort destinationPort, bool zeroChecksum = false)
    {
        _transport = TransportKind.Udp;
        _sourcePort = sourcePort;
        _destinationPort = destinationPort;
        _udpZeroChecksum = zeroChecksum;
        return this;
    }

    /// <summary>Any ICMP message: type, code, and the 4 bytes after the checksum.</summary>
    public PacketBuilder Icmp(byte type, byte code, uint restOfHeader)
    {
        _transport = TransportKind.Icmp;
        _icmpType = type;
        _icmpCode = code;
        _icmpRest = restOfHeader;
        return this;
    }

    public PacketBuilder IcmpEcho(bool reply, ushort identifier, ushort sequence) =>
        Icmp(reply ? IcmpEchoReply : IcmpEchoRequest, 0, ((uint)identifier << 16) | sequence);

    public PacketBuilder IcmpV6(byte type, byte code, uint restOfHeader)
    {
        _transport = TransportKind.IcmpV6;
        _icmpType = type;
        _icmpCode = code;
        _icmpRest = restOfHeader;
        return this;
    }

    public PacketBuilder IcmpV6Echo(bool reply, ushort identifier, ushort sequence) =>
        IcmpV6(reply ? IcmpV6EchoReply : IcmpV6EchoRequest, 0, ((uint)identifier << 16) | sequence);

    /// <summary>No transport header: the payload goes straight after the IP header with this protocol number.</summary>
    public PacketBuilder RawTransport(IPProtocolNumber protocol)
    {
        _transport = TransportKind.Raw;
        _rawProtocol = protocol;
        return this;
    }

    public PacketBuilder Payload(ReadOnlySpan<byte> payload)
    {
        _payload = payload.ToArray();
        return this;
    }

    /// <summary>Writes a wrong TCP/UDP/ICMP checksum (the right one plus 0x1111).</summary>
    public PacketBuilder CorruptTransportChecksum()
    {
        _corruptTransportChecksum = true;
        return this;
    }

    /// <summary>
    /// Keeps only the first <paramref name="length"/> bytes of the transport segment (header included). The checksum is the one
    /// of the whole segment and the IP lengths describe the short one: a well-formed IP packet carrying a cut transport header.
    /// </summary>
    public PacketBuilder TruncateTransport(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _truncateTransport = length;
        return this;
    }

    private static byte[] AddressBytes(IPAddress address, AddressFamily family)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != family)
            throw new ArgumentException($"Expected an {family} address, got {address}.", nameof(address));
        return address.GetAddressBytes();
    }

    private static byte[] PadOptions(ReadOnlySpan<byte> options)
    {
        // The header is 2 + options bytes rounded up to 8; fill the rest with Pad1 (a single 0) or PadN (1, len, zeros).
        int total = (2 + options.Length + 7) & ~7;
        byte[] body = new byte[total - 2];
        options.CopyTo(body);
        int padding = body.Length - options.Length;
        if (padding >= 2)
        {
            body[options.Length] = 1;
            body[options.Length + 1] = (byte)(padding - 2);
        }

        return body;
    }
}
