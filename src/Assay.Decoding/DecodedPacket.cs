namespace Assay.Decoding;

/// <summary>
/// What the decoders learned about one frame: plain values and offsets into the frame, no references, so it can be
/// copied into a batch and handed to a worker thread. Filled by <see cref="PacketDecoder.TryDecode"/>.
/// </summary>
public struct DecodedPacket
{
    /// <summary>Sentinel for <see cref="TcpWindowScale"/> when the option is absent.</summary>
    public const byte NoWindowScale = 0xFF;

    public PacketLayers Layers;

    // ---- link ----
    /// <summary>Outer (first) 802.1Q/802.1ad VLAN id, 0 when untagged.</summary>
    public ushort VlanId;
    /// <summary>Inner VLAN id for QinQ, 0 when absent.</summary>
    public ushort VlanId2;
    public byte VlanCount;
    public byte MplsLabelCount;
    /// <summary>The outermost MPLS label (20 bits), 0 when there is no MPLS stack.</summary>
    public uint MplsLabel;
    /// <summary>The EtherType that selected the network layer (after VLAN/MPLS), or the equivalent for raw/SLL/NULL links.</summary>
    public ushort EtherType;

    // ---- network ----
    /// <summary>4 or 6; 0 when there is no IP layer.</summary>
    public byte IPVersion;
    /// <summary>Source address; IPv4 is stored IPv4-mapped (::ffff:a.b.c.d), i.e. the 16 network-order bytes read as a big-endian integer.</summary>
    public UInt128 Source;
    public UInt128 Destination;
    /// <summary>The upper-layer protocol after all IPv6 extension headers (IANA number).</summary>
    public byte Protocol;
    /// <summary>IPv4 TTL or IPv6 hop limit.</summary>
    public byte Ttl;
    /// <summary>Offset of the IP header within the frame.</summary>
    public int NetworkOffset;
    /// <summary>Length of the IP datagram as its header states it (IPv4 total length; IPv6 40 + payload length).</summary>
    public int NetworkLength;

    // ---- fragments ----
    /// <summary>IPv4 identification or IPv6 fragment header identification.</summary>
    public uint FragmentId;
    /// <summary>Fragment offset in bytes.</summary>
    public int FragmentOffset;
    public bool MoreFragments;
    /// <summary>Offset within the frame of the fragment's payload (the bytes after the IP header / IPv6 fragment header).</summary>
    public int FragmentPayloadOffset;
    public int FragmentPayloadLength;
    /// <summary>For IPv6: the next-header value inside the fragment header (the protocol of the reassembled payload).</summary>
    public byte FragmentNextHeader;
    /// <summary>For IPv6: length of the unfragmentable part (fixed header + extension headers before the fragment header).</summary>
    public int UnfragmentableLength;

    // ---- transport ----
    public int TransportOffset;
    /// <summary>TCP/UDP/SCTP ports. Zero for other protocols.</summary>
    public ushort SourcePort;
    public ushort DestinationPort;
    public TcpFlags TcpFlags;
    public uint TcpSequence;
    public uint TcpAcknowledgment;
    public ushort TcpWindow;
    /// <summary>MSS option value, 0 when absent.</summary>
    public ushort TcpMss;
    /// <summary>Window-scale shift, <see cref="NoWindowScale"/> when absent.</summary>
    public byte TcpWindowScale;
    public bool TcpSackPermitted;
    /// <summary>SACK blocks present in this segment.</summary>
    public byte TcpSackBlocks;
    public bool TcpHasTimestamps;
    public uint TcpTimestampValue;
    public uint TcpTimestampEcho;
    public byte IcmpType;
    public byte IcmpCode;
    /// <summary>ARP operation (1 request, 2 reply), 0 when not ARP.</summary>
    public ushort ArpOperation;

    /// <summary>Application payload within the frame (TCP/UDP data; SCTP chunks; ICMP body after the 4-byte header; for other
    /// protocols the bytes after the last IP/extension header; clipped to captured bytes and to the IP length). Zero for
    /// fragments (see <see cref="FragmentPayloadOffset"/>), ARP and packets whose transport header is malformed.</summary>
    public int PayloadOffset;
    public int PayloadLength;

    public readonly bool IsIP => IPVersion != 0;

    public readonly bool IsFragment => (Layers & PacketLayers.Fragment) != 0;

    public readonly bool HasPorts => (Layers & (PacketLayers.Tcp | PacketLayers.Udp | PacketLayers.Sctp)) != 0;
}
