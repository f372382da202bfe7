namespace Assay.Synthesis.Packets;

// NOTE: these mirror Assay.Decoding's IpProtocol / TcpFlags / EtherType with the same values, but under different names:
// Synthesis references Capture only, and tests of other stages import both namespaces, so equal names would be ambiguous.

/// <summary>IANA protocol numbers (IPv4 protocol / IPv6 next header) that the synthesizer writes.</summary>
public enum IPProtocolNumber : byte
{
    HopByHop = 0,
    Icmp = 1,
    Tcp = 6,
    Udp = 17,
    Routing = 43,
    Fragment = 44,
    IcmpV6 = 58,
    NoNextHeader = 59,
    DestinationOptions = 60,
}

/// <summary>TCP control bits (RFC 9293 §3.1, RFC 3168), as in byte 13 of the header.</summary>
[Flags]
public enum TcpControl : byte
{
    None = 0,
    Fin = 0x01,
    Syn = 0x02,
    Rst = 0x04,
    Psh = 0x08,
    Ack = 0x10,
    Urg = 0x20,
    Ece = 0x40,
    Cwr = 0x80,
}

/// <summary>EtherType values written into Ethernet, VLAN and SLL headers.</summary>
public enum EtherTypeValue : ushort
{
    IPv4 = 0x0800,
    Arp = 0x0806,
    Vlan = 0x8100,
    QinQ = 0x88A8,
    IPv6 = 0x86DD,
}

/// <summary>The link-layer framing a <see cref="PacketBuilder"/> writes in front of the network layer.</summary>
public enum LinkLayer : byte
{
    /// <summary>No link header: the frame starts at the IP header (LINKTYPE_RAW).</summary>
    Raw,
    Ethernet,
    /// <summary>Linux "cooked" capture v1, 16-byte header (LINKTYPE_LINUX_SLL).</summary>
    LinuxSll,
    /// <summary>Linux "cooked" capture v2, 20-byte header (LINKTYPE_LINUX_SLL2).</summary>
    LinuxSll2,
    /// <summary>BSD loopback: 4-byte address family, little-endian (LINKTYPE_NULL).</summary>
    Null,
}

/// <summary>SLL packet type (who the packet was for), as in the first field of the SLL header.</summary>
public enum SllPacketType : ushort
{
    Host = 0,
    Broadcast = 1,
    Multicast = 2,
    OtherHost = 3,
    Outgoing = 4,
}

/// <summary>ARP operation codes (RFC 826).</summary>
public enum ArpOperation : ushort
{
    Request = 1,
    Reply = 2,
}
