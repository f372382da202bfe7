namespace Assay.Decoding;

/// <summary>Which layers a decoded packet carries.</summary>
[Flags]
public enum PacketLayers : ushort
{
    None = 0,
    Ethernet = 1 << 0,
    Vlan = 1 << 1,
    Mpls = 1 << 2,
    Arp = 1 << 3,
    IPv4 = 1 << 4,
    IPv6 = 1 << 5,
    /// <summary>An IP fragment (offset ≠ 0 or more-fragments set): transport fields are not decoded until reassembly.</summary>
    Fragment = 1 << 6,
    Tcp = 1 << 7,
    Udp = 1 << 8,
    Icmp = 1 << 9,
    IcmpV6 = 1 << 10,
    Sctp = 1 << 11,
    /// <summary>Another IP protocol: <see cref="DecodedPacket.Protocol"/> says which; no ports.</summary>
    OtherTransport = 1 << 12,
}
