namespace Assay.Decoding;

/// <summary>IANA protocol numbers (IPv4 protocol / IPv6 next header) that the decoders know.</summary>
public enum IpProtocol : byte
{
    HopByHop = 0,
    Icmp = 1,
    Igmp = 2,
    IPv4 = 4,
    Tcp = 6,
    Udp = 17,
    IPv6 = 41,
    Routing = 43,
    Fragment = 44,
    Gre = 47,
    Esp = 50,
    AuthenticationHeader = 51,
    IcmpV6 = 58,
    NoNextHeader = 59,
    DestinationOptions = 60,
    Sctp = 132,
}
