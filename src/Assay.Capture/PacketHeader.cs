namespace Assay.Capture;

/// <summary>Per-packet record header, normalised across pcap and pcapng.</summary>
/// <param name="TimestampNanos">Nanoseconds since the Unix epoch (UTC); pcapng <c>if_tsresol</c>/<c>if_tsoffset</c> already applied.</param>
/// <param name="CapturedLength">Bytes present in the file (≤ snap length).</param>
/// <param name="OriginalLength">Bytes on the wire.</param>
/// <param name="LinkType">The link type of the interface the packet was captured on (a LINKTYPE_ number, maybe one <see cref="Capture.LinkType"/> does not name).</param>
/// <param name="InterfaceId">pcapng interface index within its section (0 for classic pcap).</param>
public readonly record struct PacketHeader(long TimestampNanos, int CapturedLength, int OriginalLength, int LinkType, int InterfaceId);
