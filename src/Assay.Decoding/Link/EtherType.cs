namespace Assay.Decoding.Link;

/// <summary>IEEE 802 EtherType values the decoders follow (IANA "IEEE 802 Numbers").</summary>
public enum EtherType : ushort
{
    IPv4 = 0x0800,
    Arp = 0x0806,
    /// <summary>IEEE 802.1Q customer VLAN tag.</summary>
    Vlan = 0x8100,
    /// <summary>Reverse ARP (RFC 903): the ARP packet format with operations 3 and 4.</summary>
    Rarp = 0x8035,
    IPv6 = 0x86DD,
    MplsUnicast = 0x8847,
    MplsMulticast = 0x8848,
    /// <summary>IEEE 802.1ad service VLAN tag (QinQ outer tag).</summary>
    QinQ = 0x88A8,
    /// <summary>Pre-standard QinQ outer tag used by older Cisco/Juniper gear.</summary>
    QinQLegacy = 0x9100,
}
